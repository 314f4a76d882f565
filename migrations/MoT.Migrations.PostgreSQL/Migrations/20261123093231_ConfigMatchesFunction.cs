using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class ConfigMatchesFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Raw SQL step: the PostgreSQL side of MoT.Data.Queries.ConfigJson.Matches (config-path filters).
            migrationBuilder.Sql("""
            CREATE OR REPLACE FUNCTION mot.config_matches(config jsonb, path text, op text, literal text, quoted boolean)
            RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
            DECLARE
                e jsonb := config #> string_to_array(path, '.');
                c integer; -- -1, 0, 1: ordered; 2: different but unordered
            BEGIN
                IF e IS NULL THEN RETURN false; END IF;
                CASE jsonb_typeof(e)
                    WHEN 'number' THEN
                        IF quoted OR literal !~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$' THEN RETURN false; END IF;
                        c := CASE WHEN (e #>> '{}')::float8 < literal::float8 THEN -1
                                  WHEN (e #>> '{}')::float8 = literal::float8 THEN 0 ELSE 1 END;
                    WHEN 'string' THEN
                        c := CASE WHEN (e #>> '{}') COLLATE "C" < literal COLLATE "C" THEN -1
                                  WHEN (e #>> '{}') = literal THEN 0 ELSE 1 END;
                    WHEN 'boolean' THEN
                        IF quoted OR lower(literal) NOT IN ('true', 'false') THEN RETURN false; END IF;
                        c := CASE WHEN (e #>> '{}') = lower(literal) THEN 0 ELSE 2 END;
                    WHEN 'null' THEN
                        IF quoted OR lower(literal) <> 'null' THEN RETURN false; END IF;
                        c := 0;
                    ELSE RETURN false;
                END CASE;
                RETURN CASE op WHEN '=' THEN c = 0 WHEN '!=' THEN c <> 0
                               WHEN '<' THEN c = -1 WHEN '<=' THEN c IN (-1, 0)
                               WHEN '>' THEN c = 1 WHEN '>=' THEN c IN (0, 1) ELSE false END;
            END
            $fn$;
            """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS mot.config_matches(jsonb, text, text, text, boolean);");
        }
    }
}
