using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ResumeAndFairLeaderboard : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "inherited_flops",
                table: "runs",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<long>(
                name: "inherited_tokens",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "training_tokens",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "warm_start_step",
                table: "runs",
                type: "INTEGER",
                nullable: true);

            // Runs derived from a checkpoint before this version: their inherited compute is unknown, but they are
            // warm-started all the same and must not be ranked with runs trained from scratch.
            migrationBuilder.Sql("UPDATE runs SET warm_start_step = 0 WHERE parent_run_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "inherited_flops",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "inherited_tokens",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "training_tokens",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "warm_start_step",
                table: "runs");
        }
    }
}
