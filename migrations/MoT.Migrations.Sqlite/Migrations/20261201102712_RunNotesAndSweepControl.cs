using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RunNotesAndSweepControl : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "notes",
                table: "runs",
                type: "TEXT",
                maxLength: 10000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "notes",
                table: "runs");
        }
    }
}
