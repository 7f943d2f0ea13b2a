import { ValidationError } from '../../errors/index.js';
import { ALLOWED_SECTIONS, REQUIRED_SECTIONS, type Channel, type SectionName } from './types.js';

/**
 * One file holds every part of a channel's message, so a fallback always swaps subject, html and
 * text together. Parts start with a marker line `--- <part>` (e.g. `--- subject`); an sms
 * template may skip markers and is then all `text`. Leading and trailing blank lines of a part
 * are dropped.
 */
const MARKER = /^--- *([a-z]+) *-*\s*$/;

export type TemplateSections = Partial<Record<SectionName, string>>;

export interface SectionLines {
  /** 1-based line in the file where the part's content starts, for error messages. */
  firstLine: Partial<Record<SectionName, number>>;
}

export function parseSections(content: string, channel: Channel): TemplateSections & SectionLines {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  const hasMarkers = lines.some((line) => MARKER.test(line));
  const sections: TemplateSections = {};
  const firstLine: SectionLines['firstLine'] = {};
  if (!hasMarkers) {
    if (channel !== 'sms') {
      throw new ValidationError('template_invalid', `a ${channel} template needs "--- <part>" marker lines`, {
        missingSections: REQUIRED_SECTIONS[channel],
      });
    }
    sections.text = trimBlankLines(lines);
    firstLine.text = 1;
    return { ...sections, firstLine };
  }
  const allowed = ALLOWED_SECTIONS[channel];
  let current: SectionName | undefined;
  let buffer: string[] = [];
  const flush = () => {
    if (current !== undefined) sections[current] = trimBlankLines(buffer);
    buffer = [];
  };
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (marker) {
      flush();
      const name = marker[1] as SectionName;
      if (!(allowed as readonly string[]).includes(name)) {
        throw new ValidationError('template_invalid', `unknown part "${name}" for ${channel} (allowed: ${allowed.join(', ')})`, {
          unknownSections: [name],
        });
      }
      if (sections[name] !== undefined) {
        throw new ValidationError('template_invalid', `part "${name}" appears twice`, { duplicateSections: [name] });
      }
      current = name;
      firstLine[name] = index + 2;
      return;
    }
    if (current === undefined) {
      if (line.trim() !== '') throw new ValidationError('template_invalid', `text before the first "--- <part>" marker (line ${index + 1})`, { line: index + 1 });
      return;
    }
    buffer.push(line);
  });
  flush();
  const missing = REQUIRED_SECTIONS[channel].filter((name) => !sections[name]);
  if (missing.length > 0) {
    throw new ValidationError('template_invalid', `${channel} template is missing ${missing.join(', ')}`, { missingSections: missing });
  }
  return { ...sections, firstLine };
}

function trimBlankLines(lines: string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end).join('\n');
}
