/**
 * The ordered list of migrations. Listing them explicitly (rather than globbing a folder) lets
 * tsx, jest and a compiled build all load the same classes.
 */
import { Migration20261125000000_initial } from './Migration20261125000000_initial';
import { Migration20261125020000_audit_log } from './Migration20261125020000_audit_log';
import { Migration20261125030000_calendar_override } from './Migration20261125030000_calendar_override';
import { Migration20261125040000_escalation } from './Migration20261125040000_escalation';
import { Migration20261125050000_person } from './Migration20261125050000_person';
import { Migration20261129000000_transitions } from './Migration20261129000000_transitions';
import { Migration20261130000000_political_file } from './Migration20261130000000_political_file';
import { Migration20261201000000_person_redeployment } from './Migration20261201000000_person_redeployment';
import { Migration20261201100000_redeployment_record } from './Migration20261201100000_redeployment_record';
import { Migration20261202000000_idempotency_reservation } from './Migration20261202000000_idempotency_reservation';
import { Migration20261202100000_login_sessions } from './Migration20261202100000_login_sessions';
import { Migration20261203000000_letter_access } from './Migration20261203000000_letter_access';
import { Migration20261204000000_units_scopes } from './Migration20261204000000_units_scopes';
import { Migration20261204100000_supervision } from './Migration20261204100000_supervision';
import { Migration20261205000000_selection_office_holder } from './Migration20261205000000_selection_office_holder';
import { Migration20261205100000_selection_bar_records } from './Migration20261205100000_selection_bar_records';
import { Migration20261205200000_selection_relations } from './Migration20261205200000_selection_relations';
import { Migration20261206000000_supervision_pending_cover } from './Migration20261206000000_supervision_pending_cover';
import { Migration20261206100000_selection_establishment } from './Migration20261206100000_selection_establishment';
import { Migration20261207000000_audit_anchor } from './Migration20261207000000_audit_anchor';
import { Migration20261208500000_oidc_sso } from './Migration20261208500000_oidc_sso';
import { Migration20261209000000_board_rollup } from './Migration20261209000000_board_rollup';
import { Migration20261209100000_audit_log_kind } from './Migration20261209100000_audit_log_kind';
import { Migration20261210000000_board_rollup_deltas } from './Migration20261210000000_board_rollup_deltas';
import { Migration20261211000000_board_statement_triggers } from './Migration20261211000000_board_statement_triggers';
import { Migration20261212000000_board_open_deadline } from './Migration20261212000000_board_open_deadline';
import { Migration20261213000000_board_types } from './Migration20261213000000_board_types';

export const migrationsList = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
  { name: 'Migration20261125020000_audit_log', class: Migration20261125020000_audit_log },
  { name: 'Migration20261125030000_calendar_override', class: Migration20261125030000_calendar_override },
  { name: 'Migration20261125040000_escalation', class: Migration20261125040000_escalation },
  { name: 'Migration20261125050000_person', class: Migration20261125050000_person },
  { name: 'Migration20261129000000_transitions', class: Migration20261129000000_transitions },
  { name: 'Migration20261130000000_political_file', class: Migration20261130000000_political_file },
  { name: 'Migration20261201000000_person_redeployment', class: Migration20261201000000_person_redeployment },
  { name: 'Migration20261201100000_redeployment_record', class: Migration20261201100000_redeployment_record },
  { name: 'Migration20261202000000_idempotency_reservation', class: Migration20261202000000_idempotency_reservation },
  { name: 'Migration20261202100000_login_sessions', class: Migration20261202100000_login_sessions },
  { name: 'Migration20261203000000_letter_access', class: Migration20261203000000_letter_access },
  { name: 'Migration20261204000000_units_scopes', class: Migration20261204000000_units_scopes },
  { name: 'Migration20261204100000_supervision', class: Migration20261204100000_supervision },
  { name: 'Migration20261205000000_selection_office_holder', class: Migration20261205000000_selection_office_holder },
  { name: 'Migration20261205100000_selection_bar_records', class: Migration20261205100000_selection_bar_records },
  { name: 'Migration20261205200000_selection_relations', class: Migration20261205200000_selection_relations },
  { name: 'Migration20261206000000_supervision_pending_cover', class: Migration20261206000000_supervision_pending_cover },
  { name: 'Migration20261206100000_selection_establishment', class: Migration20261206100000_selection_establishment },
  { name: 'Migration20261207000000_audit_anchor', class: Migration20261207000000_audit_anchor },
  { name: 'Migration20261208500000_oidc_sso', class: Migration20261208500000_oidc_sso },
  { name: 'Migration20261209000000_board_rollup', class: Migration20261209000000_board_rollup },
  { name: 'Migration20261209100000_audit_log_kind', class: Migration20261209100000_audit_log_kind },
  { name: 'Migration20261210000000_board_rollup_deltas', class: Migration20261210000000_board_rollup_deltas },
  { name: 'Migration20261211000000_board_statement_triggers', class: Migration20261211000000_board_statement_triggers },
  { name: 'Migration20261212000000_board_open_deadline', class: Migration20261212000000_board_open_deadline },
  { name: 'Migration20261213000000_board_types', class: Migration20261213000000_board_types },
];
