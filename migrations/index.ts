/**
 * The ordered list of migrations. Listing them explicitly (rather than globbing a folder) lets
 * tsx, jest and a compiled build all load the same classes.
 */
import { Migration20261125000000_initial } from './Migration20261125000000_initial';

export const migrationsList = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
];
