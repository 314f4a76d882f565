using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class UnifiedRunStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_checkpoints_run_id_step",
                schema: "mot",
                table: "checkpoints");

            migrationBuilder.AddColumn<string>(
                name: "failure_class",
                schema: "mot",
                table: "runs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "failure_kind",
                schema: "mot",
                table: "runs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_run_id_path",
                schema: "mot",
                table: "checkpoints",
                columns: new[] { "run_id", "path" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_run_id_step",
                schema: "mot",
                table: "checkpoints",
                columns: new[] { "run_id", "step" });

            // One status model: divergence is a failure of the run itself (class Diverged), no longer a status of its own.
            migrationBuilder.Sql("UPDATE mot.runs SET status = 'Failed', failure_class = 'Diverged', failure_kind = 'RunError' WHERE status = 'Diverged';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE mot.runs SET status = 'Diverged' WHERE status = 'Failed' AND failure_class = 'Diverged';");
            migrationBuilder.DropIndex(
                name: "IX_checkpoints_run_id_path",
                schema: "mot",
                table: "checkpoints");

            migrationBuilder.DropIndex(
                name: "IX_checkpoints_run_id_step",
                schema: "mot",
                table: "checkpoints");

            migrationBuilder.DropColumn(
                name: "failure_class",
                schema: "mot",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "failure_kind",
                schema: "mot",
                table: "runs");

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_run_id_step",
                schema: "mot",
                table: "checkpoints",
                columns: new[] { "run_id", "step" },
                unique: true);
        }
    }
}
