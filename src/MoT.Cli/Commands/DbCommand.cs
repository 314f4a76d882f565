using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data;

namespace MoT.Cli.Commands;

/// <summary><c>mot db migrate</c>: brings a store's schema up to date (team deployments run it as a job).</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var database = new DatabaseOptions();
        var migrate = new Command("migrate", "Apply the schema migrations to the configured database");
        database.AddTo(migrate);
        migrate.SetAction(async (parse, cancel) =>
        {
            await using var services = database.BuildServices(parse);
            var store = services.GetRequiredService<MotDatabase>();
            await store.MigrateAsync(cancel);
            var applied = await store.GetAppliedMigrationsAsync(cancel);
            Console.WriteLine($"{services.GetRequiredService<MotDataOptions>().Provider}: schema up to date ({applied.Count} migrations: {string.Join(", ", applied)})");
            return 0;
        });
        return new Command("db", "Database administration") { migrate };
    }
}
