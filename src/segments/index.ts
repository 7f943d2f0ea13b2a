export {
  SegmentSchema,
  parseSegment,
  safeParseSegment,
  SEGMENT_OPERATORS,
  SEGMENT_LIMITS,
  COMPARISON_OPS,
  type Segment,
  type SegmentIssue,
  type SegmentParseResult,
  type Comparison,
  type ComparisonOp,
  type TimeWindow,
  type AttributeCondition,
  type AttributeScalar,
  type ConsentChannel,
  type ConsentKind,
  type SegmentOperator,
} from './schema.js';
export { compileSegment, compileSegmentCount, compileSegmentPage, compileSegmentPredicate, type CompiledSql, type CompileOptions } from './compile.js';
export { SqlParams } from './sql-params.js';
export { evaluateSegment, type MemberFacts } from './evaluate.js';
export { resolveWindow } from './window.js';
export { saveSegment, getSegment, listSegments, type SavedSegment } from './store.js';
export { previewSegment, type SegmentPreview } from './preview.js';
