using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class ResumeAndFairLeaderboard : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "inherited_flops",
                schema: "mot",
                table: "runs",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<long>(
                name: "inherited_tokens",
                schema: "mot",
                table: "runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "training_tokens",
                schema: "mot",
                table: "runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "warm_start_step",
                schema: "mot",
                table: "runs",
                type: "bigint",
                nullable: true);

            // Runs derived from a checkpoint before this version: their inherited compute is unknown, but they are
            // warm-started all the same and must not be ranked with runs trained from scratch.
            migrationBuilder.Sql("UPDATE mot.runs SET warm_start_step = 0 WHERE parent_run_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "inherited_flops",
                schema: "mot",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "inherited_tokens",
                schema: "mot",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "training_tokens",
                schema: "mot",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "warm_start_step",
                schema: "mot",
                table: "runs");
        }
    }
}
