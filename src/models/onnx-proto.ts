/**
 * A minimal subset of ONNX's protobuf schema (onnx/onnx.proto3, IR version 8), written as a
 * protobufjs JSON descriptor, with a reader and a writer built on it:
 *  - `readOnnxGraphInfo(bytes, file)` decodes a model's graph inputs/outputs (names, element
 *    types, shapes) without looking at the nodes' or initializers' contents, for plan-time
 *    `describeModel`;
 *  - `encodeOnnxModel(model)` serialises a `ModelProto` (used to write the bundled MLflow model
 *    and test models from dense layer stacks, see dense.ts).
 * Field numbers follow onnx.proto; fields Kindling never reads or writes are left out and are
 * skipped by protobufjs when decoding.
 */
import protobuf from 'protobufjs';
import type { GraphInfo, TensorInfo } from './common.js';
import { ModelFormatError } from './common.js';

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: { Dimension: { oneofs: { value: { oneof: ['dimValue', 'dimParam'] } }, fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } } },
        },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: { Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } } },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
      },
    },
  },
};

/** A subset of the reader-side schema: graphs without node or initializer contents. */
const READ_SCHEMA = structuredClone(SCHEMA);
const readTypes = READ_SCHEMA.nested.onnx.nested as Record<string, { fields: Record<string, unknown> }>;
delete readTypes.GraphProto!.fields.node;
readTypes.TensorProto!.fields = { name: { type: 'string', id: 8 } };

const writeRoot = protobuf.Root.fromJSON(SCHEMA);
const readRoot = protobuf.Root.fromJSON(READ_SCHEMA);
const ModelProto = writeRoot.lookupType('onnx.ModelProto');
const ReadModelProto = readRoot.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType codes Kindling uses. */
export const ONNX_DTYPE = { float32: 1, int32: 6, int64: 7, float64: 11 } as const;
const DTYPE_NAMES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

/** A `ModelProto` as the writer takes it (plain objects; int64 fields as numbers). */
export interface OnnxModelSpec {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  opsetImport: { domain?: string; version: number }[];
  metadataProps?: { key: string; value: string }[];
  graph: {
    name: string;
    node: { input: string[]; output: string[]; name: string; opType: string; attribute?: { name: string; type: number; f?: number; i?: number; ints?: number[] }[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
    input: OnnxValueInfo[];
    output: OnnxValueInfo[];
  };
}

/** A graph input/output: a tensor of `elemType` with the given dims (a string for a symbolic dimension). */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeOnnxModel(model: OnnxModelSpec): Uint8Array {
  const err = ModelProto.verify(model);
  if (err) throw new Error(`invalid ONNX model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

interface DecodedValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number | { toNumber(): number }; dimParam?: string }[] } } };
}

function tensorInfo(v: DecodedValueInfo): TensorInfo {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim ?? [];
  return {
    name: v.name ?? '',
    dtype: DTYPE_NAMES[tt?.elemType ?? 0] ?? `onnx-type-${tt?.elemType ?? 0}`,
    shape: dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) || -1 : -1)),
  };
}

/** Reads an ONNX model's graph inputs (minus initializers listed as inputs) and outputs. */
export function readOnnxGraphInfo(bytes: Uint8Array, file: string): GraphInfo {
  let m: { graph?: { input?: DecodedValueInfo[]; output?: DecodedValueInfo[]; initializer?: { name?: string }[] } };
  try {
    m = ReadModelProto.toObject(ReadModelProto.decode(bytes), { longs: Number, defaults: false }) as typeof m;
  } catch (e) {
    throw new ModelFormatError(`${file} is not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`, file, { cause: e });
  }
  if (!m.graph) throw new ModelFormatError(`${file} is not a valid ONNX model: it has no graph`, file);
  const inits = new Set((m.graph.initializer ?? []).map((t) => t.name));
  return {
    inputs: (m.graph.input ?? []).filter((v) => !inits.has(v.name)).map(tensorInfo),
    outputs: (m.graph.output ?? []).map(tensorInfo),
  };
}
