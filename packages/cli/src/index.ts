/** The CLI as a library: build the commander program, or run a command line and get its exit code. */
export { buildProgram, run } from './program.js';
export { createClient, type Client, type ClientOptions } from './client.js';
export { ApiError, Failure, NetworkError, UsageError } from './errors.js';
