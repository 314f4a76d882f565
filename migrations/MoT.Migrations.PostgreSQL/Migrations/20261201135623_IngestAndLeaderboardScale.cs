using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class IngestAndLeaderboardScale : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_runs_leaderboard",
                schema: "mot",
                table: "runs",
                columns: new[] { "eval_set_id", "tokenizer_id", "model_family", "best_eval_loss", "compute_budget_flops", "inherited_flops", "warm_start_step" },
                filter: "status = 'Completed' AND best_eval_loss IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_runs_leaderboard",
                schema: "mot",
                table: "runs");
        }
    }
}
