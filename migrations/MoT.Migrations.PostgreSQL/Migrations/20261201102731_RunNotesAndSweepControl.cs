using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.PostgreSQL.Migrations
{
    /// <inheritdoc />
    public partial class RunNotesAndSweepControl : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "notes",
                schema: "mot",
                table: "runs",
                type: "character varying(10000)",
                maxLength: 10000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "notes",
                schema: "mot",
                table: "runs");
        }
    }
}
