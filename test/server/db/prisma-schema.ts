import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const SCHEMA_PATH = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));

export type SchemaField = { name: string; type: string; list: boolean; optional: boolean; kind: 'scalar' | 'enum' };
export type SchemaModel = {
  name: string;
  /** Columns: scalar and enum fields (relation fields have no column). */
  fields: SchemaField[];
  /** Index names Prisma derives for @unique, @@unique and @@index. */
  indexes: string[];
};
export type PrismaSchema = { models: SchemaModel[]; enums: Map<string, string[]> };

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Boolean', 'DateTime', 'Json', 'Float', 'Decimal', 'Bytes']);

/**
 * Just enough of a schema.prisma parser for the schema-agreement tests: models, their column
 * fields, enums and index names. It refuses what it does not understand (@map, @@map, @db.*) rather
 * than misreading it.
 */
export async function parsePrismaSchema(source?: string): Promise<PrismaSchema> {
  const text = (source ?? (await readFile(SCHEMA_PATH, 'utf8'))).replace(/\/\/.*$/gm, '');
  if (/@@?map\(|@db\./.test(text)) throw new Error('parsePrismaSchema does not understand @map, @@map or @db.*; extend it');

  // A block ends at the first line that is only "}" (a default such as @default("{}") has braces inside).
  const blocks = [...text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const enums = new Map(
    blocks
      .filter((b) => b[1] === 'enum')
      .map((b) => [
        b[2]!,
        b[3]!
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ]),
  );
  const modelNames = new Set(blocks.filter((b) => b[1] === 'model').map((b) => b[2]!));

  const models = blocks
    .filter((b) => b[1] === 'model')
    .map(([, , name, body]): SchemaModel => {
      const fields: SchemaField[] = [];
      const indexes: string[] = [];
      for (const line of body!
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)) {
        const blockAttribute = line.match(/^@@(unique|index)\(\[([^\]]+)\]/);
        if (blockAttribute) {
          const columns = blockAttribute[2]!.split(',').map((c) => c.trim());
          indexes.push(`${name}_${columns.join('_')}_${blockAttribute[1] === 'unique' ? 'key' : 'idx'}`);
          continue;
        }
        // A composite primary key is still the table's "<Model>_pkey", which every model has.
        if (line.startsWith('@@id(')) continue;
        if (line.startsWith('@@')) throw new Error(`parsePrismaSchema does not understand "${line}"`);
        const field = line.match(/^(\w+)\s+(\w+)(\[\])?(\?)?/);
        if (!field) throw new Error(`parsePrismaSchema cannot read "${line}"`);
        const [, fieldName, type] = field;
        if (modelNames.has(type!)) continue;
        if (!SCALARS.has(type!) && !enums.has(type!)) throw new Error(`Unknown type ${type} in ${name}.${fieldName}`);
        fields.push({
          name: fieldName!,
          type: type!,
          list: Boolean(field[3]),
          optional: Boolean(field[4]),
          kind: enums.has(type!) ? 'enum' : 'scalar',
        });
        if (/@unique\b/.test(line)) indexes.push(`${name}_${fieldName}_key`);
      }
      return { name: name!, fields, indexes };
    });
  return { models, enums };
}
