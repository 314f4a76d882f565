using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "mot");

            migrationBuilder.CreateTable(
                name: "metric_points",
                schema: "mot",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false, collation: "C"),
                    step = table.Column<long>(type: "bigint", nullable: false),
                    value = table.Column<double>(type: "double precision", nullable: true),
                    wall_time = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_points", x => new { x.run_id, x.name, x.step });
                });

            migrationBuilder.CreateTable(
                name: "users",
                schema: "mot",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    display_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sweeps",
                schema: "mot",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    owner_id = table.Column<string>(type: "character varying(64)", nullable: false),
                    spec_json = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    search_state_json = table.Column<string>(type: "jsonb", nullable: true),
                    best_run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sweeps", x => x.id);
                    table.ForeignKey(
                        name: "FK_sweeps_users_owner_id",
                        column: x => x.owner_id,
                        principalSchema: "mot",
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "checkpoints",
                schema: "mot",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step = table.Column<long>(type: "bigint", nullable: false),
                    path = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    bytes = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    pinned = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkpoints", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "runs",
                schema: "mot",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    owner_id = table.Column<string>(type: "character varying(64)", nullable: false),
                    sweep_id = table.Column<Guid>(type: "uuid", nullable: true),
                    config_json = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    parent_run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    parent_relation = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    current_checkpoint_id = table.Column<Guid>(type: "uuid", nullable: true),
                    model_family = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    compute_budget_flops = table.Column<double>(type: "double precision", nullable: false),
                    best_eval_loss = table.Column<double>(type: "double precision", nullable: true),
                    eval_set_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    tokenizer_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_runs", x => x.id);
                    table.ForeignKey(
                        name: "FK_runs_checkpoints_current_checkpoint_id",
                        column: x => x.current_checkpoint_id,
                        principalSchema: "mot",
                        principalTable: "checkpoints",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_runs_parent_run_id",
                        column: x => x.parent_run_id,
                        principalSchema: "mot",
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_sweeps_sweep_id",
                        column: x => x.sweep_id,
                        principalSchema: "mot",
                        principalTable: "sweeps",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_runs_users_owner_id",
                        column: x => x.owner_id,
                        principalSchema: "mot",
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "run_tags",
                schema: "mot",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    tag = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_tags", x => new { x.run_id, x.tag });
                    table.ForeignKey(
                        name: "FK_run_tags_runs_run_id",
                        column: x => x.run_id,
                        principalSchema: "mot",
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_run_id_step",
                schema: "mot",
                table: "checkpoints",
                columns: new[] { "run_id", "step" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_run_tags_tag",
                schema: "mot",
                table: "run_tags",
                column: "tag");

            migrationBuilder.CreateIndex(
                name: "IX_runs_created_at",
                schema: "mot",
                table: "runs",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_runs_current_checkpoint_id",
                schema: "mot",
                table: "runs",
                column: "current_checkpoint_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_eval_set_id_tokenizer_id_model_family",
                schema: "mot",
                table: "runs",
                columns: new[] { "eval_set_id", "tokenizer_id", "model_family" });

            migrationBuilder.CreateIndex(
                name: "IX_runs_owner_id",
                schema: "mot",
                table: "runs",
                column: "owner_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_parent_run_id",
                schema: "mot",
                table: "runs",
                column: "parent_run_id");

            migrationBuilder.CreateIndex(
                name: "IX_runs_status",
                schema: "mot",
                table: "runs",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "IX_runs_sweep_id_status",
                schema: "mot",
                table: "runs",
                columns: new[] { "sweep_id", "status" });

            migrationBuilder.CreateIndex(
                name: "IX_sweeps_created_at",
                schema: "mot",
                table: "sweeps",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_sweeps_owner_id",
                schema: "mot",
                table: "sweeps",
                column: "owner_id");

            migrationBuilder.AddForeignKey(
                name: "FK_checkpoints_runs_run_id",
                schema: "mot",
                table: "checkpoints",
                column: "run_id",
                principalSchema: "mot",
                principalTable: "runs",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_checkpoints_runs_run_id",
                schema: "mot",
                table: "checkpoints");

            migrationBuilder.DropTable(
                name: "metric_points",
                schema: "mot");

            migrationBuilder.DropTable(
                name: "run_tags",
                schema: "mot");

            migrationBuilder.DropTable(
                name: "runs",
                schema: "mot");

            migrationBuilder.DropTable(
                name: "checkpoints",
                schema: "mot");

            migrationBuilder.DropTable(
                name: "sweeps",
                schema: "mot");

            migrationBuilder.DropTable(
                name: "users",
                schema: "mot");
        }
    }
}
