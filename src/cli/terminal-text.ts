/**
 * ANSI/ECMA-48 escape sequences: CSI (`ESC [` … final byte, or the 8-bit CSI), OSC / DCS / SOS / PM / APC
 * strings up to BEL or ST, and two-character escapes.
 */
const ESCAPE_SEQUENCES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[\s\S]*?(?:\u0007|\u001b\\|\u009c|$)|\u001b[\s\S]?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text safe to print on a terminal: escape sequences (colours, cursor moves, OSC 8 links, title changes)
 * removed and any other control character shown as `?`, so a stored value cannot drive the operator's
 * terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, '?');
}
