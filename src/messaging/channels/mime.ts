import { randomUUID } from 'node:crypto';
import { encode as base64Encode, wrap as base64Wrap } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import { foldLines, hasLongerLines, isPlainText } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type Mail from 'nodemailer/lib/mailer';

// nodemailer's default line length for encoded bodies.
const LINE_LENGTH = 76;
// nodemailer's QP encoder works through its input in slices of this size; larger bodies are left to it.
const QP_SLICE_BYTES = 64 * 1024;

/**
 * Quoted-printable as nodemailer's streaming encoder writes a body that arrives in one chunk: the
 * trailing spaces and tabs are held back until the end of input and then encoded onto the last
 * line, which is wrapped again on its own (its wrap is not the one a single pass would pick).
 */
function quotedPrintable(content: string): string | undefined {
  const bytes = Buffer.from(content, 'utf8');
  if (bytes.length > QP_SLICE_BYTES) return undefined;
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--;
  const body = qpWrap(qpEncode(bytes.subarray(0, end)), LINE_LENGTH);
  if (end === bytes.length) return body;
  const lastLine = body.lastIndexOf('\n') + 1;
  return body.slice(0, lastLine) + qpWrap(body.slice(lastLine) + qpEncode(bytes.subarray(end)), LINE_LENGTH);
}

/**
 * Writes one node of nodemailer's MIME tree the way `MimeNode.stream` writes it, but in one
 * synchronous pass. The streamed build costs about as much CPU as the rest of a delivery
 * (a pipeline, PassThrough and encoder streams and a socket write per chunk, for 3 KB of mail);
 * the tree, its headers (folding, RFC 2047 words, Date, Message-ID, MIME-Version) and the
 * encoding choice stay nodemailer's own, and a unit test pins the output to `MimeNode.build`.
 * Returns false for anything it does not cover (streamed, binary or referenced content), and
 * the caller then lets nodemailer build the message.
 */
function writeNode(node: MimeNode, out: string[]): boolean {
  const content = node.content;
  if (content !== undefined && typeof content !== 'string') return false;
  out.push(`${node.buildHeaders()}\r\n\r\n`);
  // buildHeaders chose the encoding (scanning the content) and set the header: read it, not redo it.
  const transferEncoding = String(node.getHeader('Content-Transfer-Encoding') ?? '').toLowerCase();
  if (content) {
    if (transferEncoding === 'base64') out.push(base64Wrap(base64Encode(content), LINE_LENGTH));
    else if (transferEncoding === 'quoted-printable') {
      // nodemailer encodes line breaks of non-text parts as data (binary QP); only text is covered here.
      if (!/^text\//i.test(node.contentType ?? '')) return false;
      const encoded = quotedPrintable(content);
      if (encoded === undefined) return false;
      out.push(encoded);
    } else out.push(content);
  }
  if (node.multipart && node.boundary) {
    let i = 0;
    for (const child of node.childNodes) {
      out.push(`${i++ > 0 ? '\r\n' : ''}--${node.boundary}\r\n`);
      if (!writeNode(child, out)) return false;
    }
    out.push(`\r\n--${node.boundary}--\r\n`);
  }
  return true;
}

export interface RawEmail {
  raw: Buffer;
  /** The SMTP envelope nodemailer derives from the headers (punycode domains and all). */
  envelope: { from: string | false; to: string[] };
}

/** What the email channel sends: one recipient, a subject, text and/or html, a few extra headers. */
export interface EmailContent {
  from: string;
  to: string;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** With its angle brackets. */
  messageId: string;
  headers: Readonly<Record<string, string>>;
  /** Pinned by tests; the send time otherwise. */
  date?: Date;
  /** Pinned by tests; random otherwise. */
  baseBoundary?: string;
}

/**
 * Extra headers the direct build writes, by lower-case name, with the spelling nodemailer gives
 * them (it capitalizes words and writes "ID"). Any other header takes the tree build.
 */
const DIRECT_HEADER_NAMES: ReadonlyMap<string, string> = new Map([
  ['list-unsubscribe', 'List-Unsubscribe'],
  ['list-unsubscribe-post', 'List-Unsubscribe-Post'],
  ['x-laurel-message-id', 'X-Laurel-Message-ID'],
]);

// A node that is never sent: its encodeHeaderValue is nodemailer's header encoding (addresses
// parsed and punycoded, RFC 2047 words, msg-ids), used one call at a time, synchronously.
const headerEncoder = new MimeNode();

function headerLine(out: string[], key: string, value: string | Date): void {
  const encoded = headerEncoder.encodeHeaderValue(key, value);
  // As buildHeaders: a header whose value is blank is left out.
  if (encoded.trim()) out.push(foldLines(`${key}: ${encoded}`, LINE_LENGTH));
}

/** nodemailer's choice of RFC 2047 / body encoding for a text: Q when Latin letters outnumber the rest. */
function textEncodingOf(value: string): 'Q' | 'B' {
  let other = 0;
  let latin = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x08 || code === 0x0b || code === 0x0c || (code >= 0x0e && code <= 0x1f) || code >= 0x80) other++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin++;
  }
  return other < latin ? 'Q' : 'B';
}

/** base64 in lines of 76 (nodemailer's wrap gives the same lines through a regular expression). */
function base64Lines(content: string): string {
  const encoded = Buffer.from(content, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += LINE_LENGTH) lines.push(encoded.slice(i, i + LINE_LENGTH));
  return lines.join('\r\n');
}

/** One text part (headers, blank line, encoded content) as nodemailer writes it. */
function textPart(out: string[], contentType: 'text/plain' | 'text/html', content: string): boolean {
  let encoding: string;
  let body: string | undefined;
  if (isPlainText(content) && !hasLongerLines(content, LINE_LENGTH)) {
    encoding = '7bit';
    body = content;
  } else if (textEncodingOf(content) === 'Q') {
    encoding = 'quoted-printable';
    body = quotedPrintable(content);
  } else {
    encoding = 'base64';
    body = base64Lines(content);
  }
  if (body === undefined) return false;
  out.push(`Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`, body);
  return true;
}

/**
 * The common email (text and html, known headers) written directly: the headers nodemailer's
 * tree would write, in its order, without building the tree (which costs more than the rest of
 * the message). Undefined for anything else.
 */
function buildDirect(mail: EmailContent, baseBoundary: string): string | undefined {
  if (!mail.text || !mail.html) return undefined;
  const out: string[] = [];
  const custom: [string, string][] = [];
  for (const [key, value] of Object.entries(mail.headers)) {
    const name = DIRECT_HEADER_NAMES.get(key.toLowerCase());
    if (name === undefined || typeof value !== 'string') return undefined;
    custom.push([name, value]);
  }
  for (const [name, value] of custom) headerLine(out, name, value);
  headerLine(out, 'From', mail.from);
  headerLine(out, 'To', mail.to);
  if (mail.subject) headerLine(out, 'Subject', mail.subject);
  headerLine(out, 'Message-ID', mail.messageId);
  headerLine(out, 'Date', mail.date ?? new Date());
  out.push('MIME-Version: 1.0');
  const boundary = `--_NmP-${baseBoundary}-Part_1`;
  out.push(foldLines(`Content-Type: multipart/alternative; boundary="${boundary}"`, LINE_LENGTH));
  const head = `${out.join('\r\n')}\r\n\r\n`;
  const parts: string[] = [head, `--${boundary}\r\n`];
  if (!textPart(parts, 'text/plain', mail.text)) return undefined;
  parts.push(`\r\n--${boundary}\r\n`);
  if (!textPart(parts, 'text/html', mail.html)) return undefined;
  parts.push(`\r\n--${boundary}--\r\n`);
  return parts.join('');
}

function envelopeOf(mail: EmailContent): RawEmail['envelope'] {
  headerEncoder.setHeader('From', mail.from);
  headerEncoder.setHeader('To', mail.to);
  return headerEncoder.getEnvelope();
}

/** The same message through nodemailer's tree (MailComposer), written in one pass. */
function buildFromTree(mail: EmailContent, baseBoundary: string): RawEmail | undefined {
  const options: Mail.Options = {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    headers: { ...mail.headers },
    baseBoundary,
  };
  if (mail.date) options.date = mail.date;
  const root = new MailComposer(options).compile();
  const out: string[] = [];
  if (!writeNode(root, out)) return undefined;
  let raw = out.join('');
  // As nodemailer's LastNewline: the message ends with a line break.
  if (!raw.endsWith('\n')) raw += raw.endsWith('\r') ? '\n' : '\r\n';
  return { raw: Buffer.from(raw, 'utf8'), envelope: root.getEnvelope() };
}

/**
 * The whole RFC 5322 message nodemailer would send for `mail`, built synchronously, with its
 * envelope; undefined when the message needs nodemailer's streamed build (content over 64 KB).
 * Unit tests pin both builds byte for byte to nodemailer's own streamed build.
 */
export function buildRawEmail(mail: EmailContent): RawEmail | undefined {
  // One buffered UUID instead of randomBytes per node: 60 random bits, as unguessable to content
  // authors as nodemailer's 64.
  const baseBoundary = mail.baseBoundary ?? randomUUID().replace(/-/g, '').slice(0, 16);
  const direct = buildDirect(mail, baseBoundary);
  if (direct !== undefined) return { raw: Buffer.from(direct, 'utf8'), envelope: envelopeOf(mail) };
  return buildFromTree(mail, baseBoundary);
}

/** For tests: whether `mail` takes the direct build. */
export function takesDirectBuild(mail: EmailContent): boolean {
  return buildDirect(mail, 'probe') !== undefined;
}
