using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class RunConsoleLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "run_log_lines",
                schema: "mot",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    time = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    text = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_log_lines", x => new { x.run_id, x.sequence });
                    table.ForeignKey(
                        name: "FK_run_log_lines_runs_run_id",
                        column: x => x.run_id,
                        principalSchema: "mot",
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "run_log_lines",
                schema: "mot");
        }
    }
}
