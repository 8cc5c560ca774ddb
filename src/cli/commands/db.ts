import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { dataDirPaths, parseCaConfig } from '../../ca/index.js';
import { SymbolonError } from '../../errors.js';
import { migratePostgresStore, redactedUrl } from '../../store/index.js';
import type { CommandFactory, Output } from '../program.js';
import { dataDirOf, DATABASE_OPTION_HELP } from './ca/ca-options.js';

interface DbMigrateOptions {
  readonly dir?: string;
  readonly database?: string;
}

/** The database to migrate: `--database`, else the data directory's config.yaml `database:`. */
function databaseOf(options: DbMigrateOptions): string {
  if (options.database !== undefined) return options.database;
  const config = dataDirPaths(dataDirOf(options)).config;
  const database = existsSync(config) ? parseCaConfig(readFileSync(config, 'utf8'), config).database : undefined;
  if (database === undefined)
    throw new SymbolonError(
      'USAGE',
      `give --database postgres://...: ${config} names no database (an SQLite store migrates itself when opened)`,
    );
  return database;
}

/** `symbolon db migrate`: creates or updates the schema of a shared PostgreSQL store, once for all nodes. */
const dbMigrateCommand: CommandFactory = (output: Output) =>
  new Command('migrate')
    .description('create or update the schema of the PostgreSQL store (run once, before starting nodes of a new version)')
    .option('--dir <dir>', 'the data directory whose config.yaml names the database (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .action(async (options: DbMigrateOptions) => {
      const database = databaseOf(options);
      const outcome = await migratePostgresStore(database);
      const where = redactedUrl(database);
      output.out(
        outcome.applied.length === 0
          ? `${where}: schema at version ${outcome.version}, nothing to apply\n`
          : `${where}: applied schema version${outcome.applied.length > 1 ? 's' : ''} ${outcome.applied.join(', ')}; schema at version ${outcome.version}\n`,
      );
    });

/** `symbolon db ...`: the database. */
export const dbCommand: CommandFactory = (output: Output) =>
  new Command('db').description('manage the PostgreSQL store').addCommand(dbMigrateCommand(output));
