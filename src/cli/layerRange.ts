/** `--layer-range a,b`: a half-open range over hidden-state indices, as the seed's `--layer_range "13,21"`. */
import { InputError } from '../lib/core/issues';
import { isTokenPosition, TOKEN_POSITIONS, type TokenPosition } from '../lib/core/probes/tokenPosition';

export function parseLayerRange(value: unknown, flag = '--layer-range'): [number, number] | null {
  if (value === undefined || value === null || value === '') return null;
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(String(value));
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2]) : NaN;
  if (!m || !(b > a)) throw new InputError(`${flag} must be a,b with integers 0 ≤ a < b (half-open over hidden-state indices, e.g. 13,21), got ${JSON.stringify(value)}`);
  return [a, b];
}

export function parseTokenKey(value: unknown, flag = '--token-key'): TokenPosition | null {
  if (value === undefined || value === null || value === '') return null;
  if (!isTokenPosition(value)) throw new InputError(`${flag} must be one of ${TOKEN_POSITIONS.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}
