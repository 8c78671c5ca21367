// TEMPORARY until the coordinator's move lands errorMessage in demos/common/cli.ts.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
