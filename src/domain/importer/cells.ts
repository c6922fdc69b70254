import type { TableColumn } from './tables.js';
import { type DateFormat, type DecimalMark, isMidnight, type Parsed, parseNumber } from './values.js';

/**
 * A converted cell: text for VARCHAR, a number for DOUBLE, epoch milliseconds (UTC) for DATE and TIMESTAMP,
 * null for SQL NULL.
 */
export type CellValue = string | number | null;

/** A constant or mapped value as written in a mapping file. */
export type Scalar = string | number | boolean | null;

/** How to read text into a column's type. */
export interface CellReader {
  decimal: DecimalMark;
  dateFormat: DateFormat;
}

/** Converts one non-empty, trimmed text to the column's type. */
export function convertText(text: string, column: TableColumn, reader: CellReader): Parsed<CellValue> {
  switch (column.type) {
    case 'varchar':
      return { ok: true, value: text };
    case 'double':
      return parseNumber(text, reader.decimal);
    case 'date': {
      const parsed = reader.dateFormat.parse(text);
      if (parsed.ok && !isMidnight(parsed.value))
        return {
          ok: false,
          message: `${JSON.stringify(text)} has a time of day but ${column.name} is a date`,
        };
      return parsed;
    }
    case 'timestamp':
      return reader.dateFormat.parse(text);
  }
}

/** Converts a scalar from the mapping file (a constant, a `map` target or a `default`) to the column's type. */
export function convertScalar(value: Scalar, column: TableColumn, reader: CellReader): Parsed<CellValue> {
  if (value === null) return { ok: true, value: null };
  if (typeof value === 'number') {
    if (column.type === 'double') return { ok: true, value };
    if (column.type === 'varchar') return { ok: true, value: String(value) };
    return { ok: false, message: `${value} is not a ${column.type}` };
  }
  if (typeof value === 'boolean') {
    if (column.type === 'varchar') return { ok: true, value: String(value) };
    return { ok: false, message: `${value} is not a ${column.type}` };
  }
  const text = value.trim();
  if (text === '') return { ok: true, value: null };
  return convertText(text, column, reader);
}
