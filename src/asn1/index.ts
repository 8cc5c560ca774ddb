export { Tag, TagClass, CONSTRUCTED, contextTag } from './tags.js';
export { encodeOidContent, decodeOidContent } from './oid.js';
export * as der from './der-writer.js';
export {
  DerNode,
  MAX_DER_DEPTH,
  DEFAULT_MAX_DER_BYTES,
  decodeDer,
  decodeNested,
  readHeader,
  expectTag,
  expectSequence,
  readInteger,
  readSmallInteger,
  readIntegerBytes,
  readBoolean,
  readNull,
  readOid,
  readBitString,
  readNamedBits,
  readOctetString,
  readString,
  readIa5Content,
  readTime,
} from './der-reader.js';
export type { DecodeOptions, BitString } from './der-reader.js';
