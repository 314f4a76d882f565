using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using MoT.Data;

namespace MoT.Migrations.Sqlite;

/// <summary>Lets the EF tools build the SQLite model.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<MotDbContext>
{
    public MotDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<MotDbContext>();
        MotDataOptions.DefaultSqlite(Path.GetTempPath()).Configure(builder);
        return new MotDbContext(builder.Options);
    }
}
