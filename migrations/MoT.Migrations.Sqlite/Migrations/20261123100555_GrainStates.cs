using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MoT.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class GrainStates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "grain_states",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    e_tag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    data = table.Column<byte[]>(type: "BLOB", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_grain_states", x => x.key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "grain_states");
        }
    }
}
