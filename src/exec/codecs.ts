/**
 * The built-in operator and source codecs, registered in one place: the main thread (scheduler)
 * and every worker call {@link registerBuiltinCodecs} before describing or rebuilding a stage.
 * A new operator or source kind defines its codec next to its class and adds one line here.
 */
import { once } from '../kind-registry.js';
import { csvSourceCodec, parquetSourceCodec } from '../io/file-sources.js';
import { jsonSourceCodec } from '../io/json.js';
import { registerSourceCodec } from '../io/source-codec.js';
import { rangeSourceCodec } from '../io/source.js';
import { aggregateCodec } from './aggregate.js';
import { coalesceCodec, emptyCodec, filterCodec, limitCodec, projectCodec, sampleCodec, scanCodec, unionCodec } from './basic.js';
import { expandCodec } from './expand.js';
import { generateCodec } from './generate.js';
import { joinCodec } from './join.js';
import { medianPartialCodec } from './median-partial.js';
import { morselSourceCodec } from './morsels.js';
import { registerOpCodec } from './op-codec.js';
import { sortCodec } from './sort.js';
import { windowCodec } from './window/operator.js';
import { windowGroupLimitCodec } from './window-group-limit.js';
import { flatMapGroupsCodec } from '../udf/flat-map-groups.js';
import { mapInArrowCodec } from '../udf/map-in-arrow.js';
import { evalUdfsCodec } from '../udf/eval-udfs-op.js';

/** Registers the built-in operator and source codecs (once; later calls do nothing). */
export const registerBuiltinCodecs: () => void = once(() => {
  registerOpCodec(scanCodec);
  registerOpCodec(filterCodec);
  registerOpCodec(projectCodec);
  registerOpCodec(limitCodec);
  registerOpCodec(unionCodec);
  registerOpCodec(sampleCodec);
  registerOpCodec(emptyCodec);
  registerOpCodec(coalesceCodec);
  registerOpCodec(sortCodec);
  registerOpCodec(aggregateCodec);
  registerOpCodec(joinCodec);
  registerOpCodec(windowCodec);
  registerOpCodec(windowGroupLimitCodec);
  registerOpCodec(medianPartialCodec);
  registerOpCodec(expandCodec);
  registerOpCodec(generateCodec);
  registerOpCodec(mapInArrowCodec);
  registerOpCodec(flatMapGroupsCodec);
  registerOpCodec(evalUdfsCodec);
  registerSourceCodec(csvSourceCodec);
  registerSourceCodec(parquetSourceCodec);
  registerSourceCodec(jsonSourceCodec);
  registerSourceCodec(rangeSourceCodec);
  registerSourceCodec(morselSourceCodec);
});
