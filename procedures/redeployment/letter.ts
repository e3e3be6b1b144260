/**
 * The task letter (任务书) of a dispatched cadre, generated from the list's data as a DOCX: the task, its
 * goals, the term, the reporting duty and the acknowledgement lines of the cadre and the host unit.
 *
 * Deterministic: equal data give equal bytes, so the sha256 kept with a letter identifies it and a letter
 * can be rebuilt from its data and checked. A DOCX is a zip, and the `docx` packer writes the time of
 * packing twice: in docProps/core.xml (dcterms:created/modified) and as every zip entry's modification
 * time. `letterDocx` therefore re-zips the packer's output with both taken from the issue date. The bytes
 * also depend on the versions of `docx` and `fflate` (pinned exactly in package.json); the issuing activity
 * stores the bytes it generated once and the download serves those, so an upgrade never changes a letter
 * already issued.
 */
import { AlignmentType, Document, Packer, Paragraph, TabStopType, TextRun, type IRunOptions } from 'docx';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';

export interface LetterData {
  letterId: string;
  listId: string;
  listTitle: string;
  taskId: string;
  taskTitle: string;
  description: string;
  goals: string[];
  hostUnit: { id: string; name: string };
  person: { id: string; name: string };
  term: { start: string; end: string };
  reportEveryMonths: number;
  reportWorkingDays: number;
  /** The China date the letter is issued: from the workflow, so a retry writes the same bytes. */
  issuedOn: string;
  /** The meeting's decision the dispatch rests on. */
  decision: string;
}

export const LETTER_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const letterFileName = (letterId: string): string => `任务书-${letterId}.docx`;

// Chinese text needs an East Asian font named in the run properties: without one Word and LibreOffice
// fall back to a Latin theme font and pick a CJK font of their own. 宋体 for the body and 黑体 for the
// title are on every Chinese Windows and mapped by LibreOffice; the Latin text (ids, dates) keeps Times.
const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '宋体', hint: 'eastAsia' };
const TITLE_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '黑体', hint: 'eastAsia' };
/** Half-points: 小四 (12 pt) for the body, 二号 (22 pt) for the title, 四号 (14 pt) for the headings. */
const BODY_SIZE = 24;
const TITLE_SIZE = 44;
const HEADING_SIZE = 28;

const run = (text: string, o: IRunOptions = {}): TextRun => new TextRun({ text, ...o });
const line = (text: string, o: IRunOptions = {}): Paragraph => new Paragraph({ spacing: { line: 400 }, children: [run(text, o)] });
const indented = (text: string): Paragraph => new Paragraph({ spacing: { line: 400 }, indent: { firstLine: 480 }, children: [run(text)] });
const heading = (text: string): Paragraph =>
  new Paragraph({ spacing: { before: 240, line: 400 }, children: [run(text, { font: TITLE_FONT, size: HEADING_SIZE })] });
const blank = (): Paragraph => new Paragraph({ children: [] });

/** 每月 for 1, otherwise 每 N 个月. */
export const reportingPeriod = (months: number): string => (months === 1 ? '每月' : `每 ${months} 个月`);

export function letterDocument(d: LetterData): Document {
  const goals = d.goals.length ? d.goals.map((g, i) => indented(`${i + 1}. ${g}`)) : [indented('按岗位任务说明完成工作。')];
  const signLine = (who: string): Paragraph =>
    new Paragraph({
      spacing: { before: 360, line: 400 },
      tabStops: [{ type: TabStopType.LEFT, position: 5200 }],
      children: [run(`${who}签收：＿＿＿＿＿＿＿＿`), run('\t日期：＿＿＿＿年＿＿月＿＿日')],
    });
  return new Document({
    // core.xml: the creator is the engine, not a person; the dates are set from the issue date by letterDocx.
    creator: 'tingjin',
    lastModifiedBy: 'tingjin',
    title: `任务书 ${d.letterId}`,
    subject: d.taskTitle,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: BODY_SIZE, language: { value: 'en-US', eastAsia: 'zh-CN' } } },
      },
    },
    sections: [
      {
        children: [
          new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 360 }, children: [run('任务书', { font: TITLE_FONT, size: TITLE_SIZE, bold: true })] }),
          line(`编号：${d.letterId}`),
          line(`榜单：${d.listTitle}（${d.listId}）`),
          line(`任务：${d.taskTitle}（${d.taskId}）`),
          line(`出征干部：${d.person.name}（${d.person.id}）`),
          line(`接收单位：${d.hostUnit.name}（${d.hostUnit.id}）`),
          line(`任期：${d.term.start} 至 ${d.term.end}`),
          heading('一、任务说明'),
          indented(d.description),
          heading('二、任务目标'),
          ...goals,
          heading('三、报告义务'),
          indented(`${reportingPeriod(d.reportEveryMonths)}报告一次工作进展，于每期结束后 ${d.reportWorkingDays} 个工作日内报送，由接收单位确认。`),
          indented('逾期未报的，依次提醒、催办、督办。'),
          heading('四、考核'),
          indented('任期届满由接收单位和组织部考核，考核等次为优秀、合格、基本合格、不合格。'),
          blank(),
          line(`依据：${d.decision}`),
          line(`签发日期：${d.issuedOn}`),
          signLine('出征干部'),
          signLine('接收单位'),
        ],
      },
    ],
  });
}

const CORE = 'docProps/core.xml';
const STAMP = /(<dcterms:(created|modified) xsi:type="dcterms:W3CDTF">)[^<]*(<\/dcterms:\2>)/g;

/** The DOCX bytes of the letter: equal data, equal bytes (see the module comment). */
export async function letterDocx(d: LetterData): Promise<Buffer> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d.issuedOn);
  if (!m) throw new Error(`issuedOn: not a date: ${d.issuedOn}`);
  const [y, mo, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const packed = await Packer.toBuffer(letterDocument(d));
  const files = unzipSync(packed);
  const core = files[CORE];
  if (!core) throw new Error(`the docx packer wrote no ${CORE}`);
  // The issue date's midnight in China, as UTC: the letter's creation and modification time.
  const at = new Date(Date.UTC(y, mo - 1, day) - 8 * 3_600_000).toISOString().replace('.000Z', 'Z');
  let stamps = 0;
  files[CORE] = strToU8(
    strFromU8(core).replace(STAMP, (_all, open: string, _name: string, close: string) => {
      stamps += 1;
      return `${open}${at}${close}`;
    }),
  );
  // A docx upgrade that writes the dates differently must fail here, not silently break the hash.
  if (stamps !== 2) throw new Error(`${CORE}: expected dcterms:created and dcterms:modified, found ${stamps}`);
  // A zip entry's time is DOS local time, written from the Date's local fields: a Date built from local
  // fields gives the same bytes whatever the process's time zone. The entries keep the packer's order.
  return Buffer.from(zipSync(files, { mtime: new Date(y, mo - 1, day) }));
}

/**
 * `Content-Disposition` for a download named `fileName`: only the RFC 8187 `filename*` form, percent-encoded
 * UTF-8. encodeURIComponent leaves `'`, `(`, `)` and `*` alone, which that form does not allow; CR, LF and
 * quotes are encoded by it, so no text of the name reaches the header raw (header injection).
 */
export function attachmentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=UTF-8''${encoded}`;
}
