using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SweepRecords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Sweep rows were placeholders that stayed 'Pending'; their grains now write them. Until a sweep's grain next
            // writes, its status is read from its runs, as the grain would have finished it.
            migrationBuilder.Sql("""
                UPDATE sweeps SET status = CASE
                    WHEN EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status IN ('Queued', 'Running', 'Preempted')) THEN 'Running'
                    WHEN EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status = 'Completed') AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status IN ('Failed', 'Cancelled', 'Diverged')) THEN 'Completed'
                    WHEN EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status = 'Completed') THEN 'CompletedWithFailures'
                    WHEN EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status = 'Cancelled') AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND r.status IN ('Failed', 'Diverged')) THEN 'Cancelled'
                    WHEN EXISTS (SELECT 1 FROM runs r WHERE r.sweep_id = sweeps.id AND 1 = 1) THEN 'Failed'
                    ELSE 'NotSubmitted' END
                WHERE status = 'Pending';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The old model had no NotSubmitted or CompletedWithFailures (nor room for the latter).
            migrationBuilder.Sql("UPDATE sweeps SET status = CASE status WHEN 'NotSubmitted' THEN 'Pending' WHEN 'CompletedWithFailures' THEN 'Completed' ELSE status END;");
        }
    }
}
