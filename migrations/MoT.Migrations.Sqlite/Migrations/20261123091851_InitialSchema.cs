using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "metric_points",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: true),
                    wall_time = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_points", x => new { x.run_id, x.name, x.step });
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sweeps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    owner_id = table.Column<string>(type: "TEXT", nullable: false),
                    spec_json = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    search_state_json = table.Column<string>(type: "TEXT", nullable: true),
                    best_run_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sweeps", x => x.id);
                    table.ForeignKey(
                        name: "FK_sweeps_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "checkpoints",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    sha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    pinned = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkpoints", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    owner_id = table.Column<string>(type: "TEXT", nullable: false),
                    sweep_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    config_json = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    priority = table.Column<int>(type: "INTEGER", nullable: false),
                    parent_run_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    parent_relation = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    current_checkpoint_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    model_family = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    compute_budget_flops = table.Column<double>(type: "REAL", nullable: false),
                    best_eval_loss = table.Column<double>(type: "REAL", nullable: true),
                    eval_set_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    tokenizer_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    failure_reason = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_runs", x => x.id);
                    table.ForeignKey(
                        name: "FK_runs_checkpoints_current_checkpoint_id",
                        column: x => x.current_checkpoint_id,
                        principalTable: "checkpoints",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_runs_parent_run_id",
                        column: x => x.parent_run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_sweeps_sweep_id",
                        column: x => x.sweep_id,
                        principalTable: "sweeps",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "run_tags",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    tag = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_tags", x => new { x.run_id, x.tag });
                    table.ForeignKey(
                        name: "FK_run_tags_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_run_id_step",
                table: "checkpoints",
                columns: new[] { "run_id", "step" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_run_tags_tag",
                table: "run_tags",
                column: "tag");

            migrationBuilder.CreateIndex(
                name: "IX_runs_created_at",
                table: "runs",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_runs_current_checkpoint_id",
                table: "runs",
                column: "current_checkpoint_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_eval_set_id_tokenizer_id_model_family",
                table: "runs",
                columns: new[] { "eval_set_id", "tokenizer_id", "model_family" });

            migrationBuilder.CreateIndex(
                name: "IX_runs_owner_id",
                table: "runs",
                column: "owner_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_parent_run_id",
                table: "runs",
                column: "parent_run_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_status",
                table: "runs",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "IX_runs_sweep_id_status",
                table: "runs",
                columns: new[] { "sweep_id", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_sweeps_created_at",
                table: "sweeps",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_sweeps_owner_id",
                table: "sweeps",
                column: "owner_id");

            migrationBuilder.AddForeignKey(
                name: "FK_checkpoints_runs_run_id",
                table: "checkpoints",
                column: "run_id",
                principalTable: "runs",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_checkpoints_runs_run_id",
                table: "checkpoints");

            migrationBuilder.DropTable(
                name: "metric_points");

            migrationBuilder.DropTable(
                name: "run_tags");

            migrationBuilder.DropTable(
                name: "runs");

            migrationBuilder.DropTable(
                name: "checkpoints");

            migrationBuilder.DropTable(
                name: "sweeps");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}
