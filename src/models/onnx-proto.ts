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
import { createRequire } from 'node:module';
import type { IOneOf, IType, Type } from 'protobufjs';
import type { GraphInfo, TensorInfo } from './common.js';
import { ModelFormatError } from './common.js';

/** A protobufjs message descriptor from `name: [type, field number, repeated?]` entries. */
function msg(fields: Record<string, [string, number, 'repeated'?]>, extra: { nested?: Record<string, IType>; oneofs?: Record<string, IOneOf> } = {}): IType {
  return { ...extra, fields: Object.fromEntries(Object.entries(fields).map(([k, [type, id, rule]]) => [k, rule ? { rule, type, id } : { type, id }])) };
}

const R = 'repeated';
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: msg({ name: ['string', 1], f: ['float', 2], i: ['int64', 3], s: ['bytes', 4], floats: ['float', 7, R], ints: ['int64', 8, R], type: ['int32', 20] }),
        ValueInfoProto: msg({ name: ['string', 1], type: ['TypeProto', 2] }),
        NodeProto: msg({ input: ['string', 1, R], output: ['string', 2, R], name: ['string', 3], opType: ['string', 4], attribute: ['AttributeProto', 5, R], domain: ['string', 7] }),
        StringStringEntryProto: msg({ key: ['string', 1], value: ['string', 2] }),
        ModelProto: msg({
          irVersion: ['int64', 1], producerName: ['string', 2], producerVersion: ['string', 3], domain: ['string', 4], modelVersion: ['int64', 5],
          docString: ['string', 6], graph: ['GraphProto', 7], opsetImport: ['OperatorSetIdProto', 8, R], metadataProps: ['StringStringEntryProto', 14, R],
        }),
        GraphProto: msg({ node: ['NodeProto', 1, R], name: ['string', 2], initializer: ['TensorProto', 5, R], input: ['ValueInfoProto', 11, R], output: ['ValueInfoProto', 12, R] }),
        TensorProto: msg({ dims: ['int64', 1, R], dataType: ['int32', 2], floatData: ['float', 4, R], name: ['string', 8], rawData: ['bytes', 9] }),
        TensorShapeProto: msg({ dim: ['Dimension', 1, R] }, { nested: { Dimension: msg({ dimValue: ['int64', 1], dimParam: ['string', 2] }, { oneofs: { value: { oneof: ['dimValue', 'dimParam'] } } }) } }),
        TypeProto: msg({ tensorType: ['Tensor', 1] }, { nested: { Tensor: msg({ elemType: ['int32', 1], shape: ['TensorShapeProto', 2] }) } }),
        OperatorSetIdProto: msg({ domain: ['string', 1], version: ['int64', 2] }),
      },
    },
  },
};

/** A subset of the reader-side schema: graphs without node or initializer contents. */
const READ_SCHEMA = structuredClone(SCHEMA);
const readTypes = READ_SCHEMA.nested.onnx.nested as Record<string, IType>;
delete readTypes.GraphProto!.fields.node;
readTypes.TensorProto = msg({ name: ['string', 8] });

let types: { ModelProto: Type; ReadModelProto: Type } | undefined;

/** The ModelProto types, built on first use (protobufjs is loaded then, not at import). */
function onnxTypes(): { ModelProto: Type; ReadModelProto: Type } {
  if (!types) {
    const protobuf = createRequire(import.meta.url)('protobufjs') as typeof import('protobufjs');
    types = {
      ModelProto: protobuf.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto'),
      ReadModelProto: protobuf.Root.fromJSON(READ_SCHEMA).lookupType('onnx.ModelProto'),
    };
  }
  return types;
}

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
  const { ModelProto } = onnxTypes();
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
  const { ReadModelProto } = onnxTypes();
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
