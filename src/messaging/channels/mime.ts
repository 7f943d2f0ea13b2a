import { randomUUID } from 'node:crypto';
import { encode as base64Encode, wrap as base64Wrap } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
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

/**
 * The whole RFC 5322 message nodemailer would send for `mail`, built synchronously, with its
 * envelope; undefined when the message needs nodemailer's streamed build (attachments, streams,
 * non-text parts).
 */
export function buildRawEmail(mail: Mail.Options): RawEmail | undefined {
  // Every node would otherwise draw its own boundary from randomBytes; one buffered UUID serves
  // them all (60 random bits, as unguessable to content authors as nodemailer's 64).
  const root = new MailComposer({ baseBoundary: randomUUID().replace(/-/g, '').slice(0, 16), ...mail }).compile();
  const out: string[] = [];
  if (!writeNode(root, out)) return undefined;
  let raw = out.join('');
  // As nodemailer's LastNewline: the message ends with a line break.
  if (!raw.endsWith('\n')) raw += raw.endsWith('\r') ? '\n' : '\r\n';
  return { raw: Buffer.from(raw, 'utf8'), envelope: root.getEnvelope() };
}
