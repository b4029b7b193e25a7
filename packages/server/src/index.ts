export { buildApp, type AppOptions, type GantryApp } from './app.js';
export { ConfigError, loadServerConfig, type ServerConfig } from './config/config.js';
export { createDatabase, type Database } from './db/database.js';
export { EmbeddedDatabaseError, startEmbeddedDatabase } from './db/embedded.js';
export { migrate } from './db/migrate.js';
export { errorCodes } from './http/errors.js';
export { startServer, type RunningServer } from './server.js';
