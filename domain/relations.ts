/**
 * The relations between people that 回避 reads (master data, table person_relation), and how a people sheet's
 * column 亲属关系 lists them. Pure: no I/O.
 *
 * Source: 《党政领导干部任职回避暂行规定》 art. 3 and 《公务员回避规定（试行）》 art. 5 name the relations that require
 * 回避: 夫妻关系; 直系血亲关系 (祖父母、外祖父母、父母、子女、孙子女、外孙子女); 三代以内旁系血亲关系 (伯叔姑舅姨、
 * 兄弟姐妹、堂兄弟姐妹、表兄弟姐妹、侄子女、甥子女); 近姻亲关系 (配偶的父母、配偶的兄弟姐妹及其配偶、子女的配偶及子女配偶
 * 的父母、三代以内旁系血亲的配偶). 《条例》 (2019), chapter 回避, applies them to the committee, the inspection group and
 * the recommenders. Each is symmetric, so a relation is stored once, either way round, and read both ways.
 */

export const RELATIONS = ['spouse', 'directBlood', 'collateral', 'inLaw'] as const;
export type Relation = (typeof RELATIONS)[number];

export const RELATION_NAMES: Readonly<Record<Relation, string>> = {
  spouse: '配偶',
  directBlood: '直系血亲',
  collateral: '三代以内旁系血亲',
  inLaw: '近姻亲',
};

/** Other names a sheet may use for the same relation (the regulation's own words among them). */
const RELATION_ALIASES: Readonly<Record<Relation, readonly string[]>> = {
  spouse: ['夫妻', '夫妻关系'],
  directBlood: ['直系血亲关系'],
  collateral: ['旁系血亲', '三代以内旁系血亲关系'],
  inLaw: ['近姻亲关系'],
};

const BY_NAME = new Map<string, Relation>(
  RELATIONS.flatMap((r) => [r, RELATION_NAMES[r], ...RELATION_ALIASES[r]].map((n) => [n.toLowerCase(), r] as const)),
);

/** A relation from its key (spouse), its Chinese name (配偶) or an alias (夫妻); null for anything else. */
export function relationFromName(name: string): Relation | null {
  return BY_NAME.get(name.trim().toLowerCase()) ?? null;
}

/** How a message lists the relations a cell may give: 配偶 (spouse), 直系血亲 (directBlood), … */
export const RELATION_CHOICES = RELATIONS.map((r) => `${RELATION_NAMES[r]} (${r})`).join(', ');

/** One relative a person's row lists. */
export interface RelativeEntry {
  relativeId: string;
  relation: Relation;
}

/** At most this many relatives in one cell: a person's 亲属 among cadres are a handful, not a list of hundreds. */
export const MAX_RELATIVES_PER_PERSON = 50;

const RELATIVE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The cell 亲属关系: `<relative's 编号>:<relation>` entries separated by `;` (full-width ；：, and 、 or a line break
 * between entries, are read too). Blank: no relatives. A message never quotes the cell: it names the entry by its
 * position (entry 2), since the cell is the uploader's text.
 */
export function parseRelativesCell(text: string): { value: RelativeEntry[] } | { error: string } {
  const parts = text
    .split(/[;；\n\r]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length > MAX_RELATIVES_PER_PERSON) return { error: `lists more than ${MAX_RELATIVES_PER_PERSON} relatives` };
  const out: RelativeEntry[] = [];
  const seen = new Map<string, number>();
  for (const [i, part] of parts.entries()) {
    const n = i + 1;
    const m = /^([^:：]+)[:：]([^:：]+)$/.exec(part);
    if (!m) return { error: `entry ${n} is not <编号>:<relation> (the relative’s personnel number, a colon, the relation)` };
    const relativeId = m[1]!.trim();
    if (!RELATIVE_ID.test(relativeId)) return { error: `entry ${n}: the relative’s 编号 must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit` };
    const relation = relationFromName(m[2]!);
    if (!relation) return { error: `entry ${n}: the relation is not one of ${RELATION_CHOICES}` };
    const earlier = seen.get(relativeId);
    if (earlier !== undefined) return { error: `entry ${n} names the same relative as entry ${earlier}` };
    seen.set(relativeId, n);
    out.push({ relativeId, relation });
  }
  return { value: out };
}

/** Why a person's list of relatives cannot be theirs (a person related to themself), or null. */
export function selfRelationProblem(personId: string, relatives: readonly RelativeEntry[]): string | null {
  const i = relatives.findIndex((r) => r.relativeId === personId);
  return i < 0 ? null : `entry ${i + 1} relates the person to themself`;
}

/** An unordered pair's key: the same for (a, b) and (b, a). */
export const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * The other side of a stored pair (person_relation holds each pair once, either way round) as seen from `personId`:
 * the relative, or null when the pair does not name `personId`.
 */
export function relativeIn(pair: { personId: string; relativeId: string }, personId: string): string | null {
  return pair.personId === personId ? pair.relativeId : pair.relativeId === personId ? pair.personId : null;
}
