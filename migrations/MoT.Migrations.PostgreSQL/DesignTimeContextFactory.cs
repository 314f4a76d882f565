using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using MoT.Data;

namespace MoT.Migrations.PostgreSQL;

/// <summary>Lets the EF tools build the PostgreSQL model; generating migrations needs no running server.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<MotDbContext>
{
    public MotDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("MOT_DESIGN_POSTGRES")
            ?? "Host=localhost;Database=mot;Username=mot";
        var builder = new DbContextOptionsBuilder<MotDbContext>();
        new MotDataOptions(DatabaseProvider.PostgreSQL, connectionString).Configure(builder);
        return new MotDbContext(builder.Options);
    }
}
