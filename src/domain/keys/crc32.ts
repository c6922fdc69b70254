/** Reflected polynomial of CRC-32/ISO-HDLC (the zlib, PNG and Ethernet CRC). */
const CRC32_POLYNOMIAL = 0xedb88320;

const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let value = byte;
    for (let bit = 0; bit < 8; bit++) {
      value = value & 1 ? (value >>> 1) ^ CRC32_POLYNOMIAL : value >>> 1;
    }
    table[byte] = value >>> 0;
  }
  return table;
})();

/**
 * CRC-32/ISO-HDLC of `input` (strings are encoded as UTF-8), as an unsigned 32-bit integer.
 * `crc32('123456789') === 0xcbf43926`.
 */
export function crc32(input: string | Uint8Array): number {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc = CRC32_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
