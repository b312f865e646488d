/**
 * Kindling's public API: Spark-style DataFrames on Apache Arrow.
 *
 * ```ts
 * import { Session, col, lit, functions as F } from 'kindling';
 * const spark = await Session.create();
 * const df = spark.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true });
 * await df.groupBy('job').agg(F.count('*').alias('n')).show();
 * ```
 */
export { Session, Catalog, DataFrameReader } from './session.js';
export type { SessionOptions, CsvOptions } from './session.js';
export type { KernelsOption, KernelsDescription, KernelPrecision, KernelBackendName, KernelCalibration } from './kernels/index.js';
export { setKernelCalibration } from './kernels/index.js';
export { RuntimeConfig } from './conf.js';
export { OPTIMIZER_RULES } from './plan/optimizer/index.js';
export { DataFrame, GroupedData, DataFrameNaFunctions } from './dataframe.js';
export type { ActionOptions, JoinHow, ShowOptions } from './dataframe.js';
export type { ApplyInArrowFunction, ApplyInArrowKeyFunction, ApplyInArrowOptions, ArrowBatchResult, ArrowGroupResult, MapInArrowFunction, MapInArrowOptions } from './udf/batch-udfs.js';
export type { JobEvents, StageMetrics } from './exec/scheduler.js';
export { DataFrameWriter } from './writer.js';
export { Column, col, column, lit, when } from './column.js';
export type { ColumnOrName, ColumnOrValue, LiteralInput } from './column.js';
export * as functions from './functions.js';
export { Window, WindowSpec } from './window.js';
export { Schema } from './types.js';
export type { DataType, Field, Row, Value } from './types.js';
export {
  KindlingError,
  AnalysisError,
  TypeMismatchError,
  FileNotFoundError,
  DataFormatError,
  WriteError,
  ArithmeticOverflowError,
  IllegalArgumentError,
  ParseError,
  ExecutionError,
  ResultTooLargeError,
  UdfError,
  MemoryLimitError,
} from './errors.js';
export type { UserDefinedFunction, ScalarUdfFunction, ArrowUdfFunction, UdfFactory } from './udf/udf.js';
export type { UdfOptions, ReturnTypeInput } from './udf/spec.js';
export type { UdfContext, FunctionRef } from './udf/function-ref.js';
export type { UDFRegistration } from './udf/registration.js';
export { Model, ModelCatalog, type ModelOptions } from './models/handle.js';
export { ModelFormatError, type ModelDescription, type ModelFormat, type ModelInput } from './models/index.js';
export type { CsvReadOptions, CsvWriteOptions } from './io/csv.js';
export type { ParquetWriteOptions } from './io/parquet.js';
export type { SaveMode } from './io/dataset-writer.js';
