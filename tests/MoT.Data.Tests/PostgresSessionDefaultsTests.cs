using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Tests.Infrastructure;
using Npgsql;

namespace MoT.Data.Tests;

public sealed class PostgresSessionDefaultsTests
{
    private static string? Options(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Options;

    [Fact]
    public void JIT_is_turned_off_through_the_startup_options()
    {
        var applied = PostgresSessionDefaults.Apply("Host=db;Database=mot;Username=mot");
        Assert.Equal("-c jit=off", Options(applied));
        Assert.Equal("mot", new NpgsqlConnectionStringBuilder(applied).Database);
    }

    [Fact]
    public void Options_of_the_connection_string_are_kept()
    {
        var applied = PostgresSessionDefaults.Apply("Host=db;Options=-c statement_timeout=5000");
        Assert.Equal("-c statement_timeout=5000 -c jit=off", Options(applied));
    }

    [Theory]
    [InlineData("Host=db;Options=-c jit=on")]
    [InlineData("Host=db;Options=-c JIT=off -c work_mem=64MB")]
    public void A_connection_string_that_chooses_jit_keeps_its_choice(string connectionString) =>
        Assert.Equal(connectionString, PostgresSessionDefaults.Apply(connectionString));
}

/// <summary>What a real server reports for the sessions the store opens.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSessionSettingsTests(PostgresServer server) : DataTestBase(new PostgresTarget(server))
{
    private async Task<string> JitOfNewContextAsync(ServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        return await db.Database.SqlQueryRaw<string>("SELECT current_setting('jit') AS \"Value\"").SingleAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Store_sessions_run_without_JIT_also_after_the_pool_resets_them()
    {
        // The server's own default is on; the second context gets the pooled connection back after its reset.
        Assert.Equal("off", await JitOfNewContextAsync(Services));
        Assert.Equal("off", await JitOfNewContextAsync(Services));
    }

    [Fact]
    public async Task A_connection_string_that_turns_JIT_on_gets_it()
    {
        var options = Database with { ConnectionString = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Options = "-c jit=on" }.ConnectionString };
        await using var services = new ServiceCollection().AddMotData(options).BuildServiceProvider();
        Assert.Equal("on", await JitOfNewContextAsync(services));
    }
}
