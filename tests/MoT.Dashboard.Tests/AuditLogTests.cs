using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Auditing;
using MoT.Data;

namespace MoT.Dashboard.Tests;

/// <summary>Audit logs for tests: into a temporary store, or nowhere (permission checks that never reach a store).</summary>
public static class TestAudit
{
    public static AuditLog Into(IServiceProvider services, string? clientAddress) =>
        new(services.GetRequiredService<IDbContextFactory<MotDbContext>>(), new ClientAddress { Value = clientAddress }, TimeProvider.System, NullLogger<AuditLog>.Instance);

    public static AuditLog Discarding() => new(new NoStore(), new ClientAddress(), TimeProvider.System, NullLogger<AuditLog>.Instance);

    private sealed class NoStore : IDbContextFactory<MotDbContext>
    {
        public MotDbContext CreateDbContext() => throw new InvalidOperationException("no store in this test");
    }
}

/// <summary>The audit log in a real (temporary) SQLite store: what is written, and what the admin page reads.</summary>
public sealed class AuditLogTests() : TemporaryStoreTests("mot-audit-")
{
    [Fact]
    public async Task A_viewers_refused_command_is_recorded_as_denied_with_their_address()
    {
        var audit = TestAudit.Into(Services, "192.0.2.7");
        var user = TestUsers.Current("vera", Roles.Viewer, audit);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => user.RequireAsync(Policies.Cancel, "cancel runs"));

        var row = Assert.Single((await Query().PageAsync(null, null, 0, 50, TestContext.Current.CancellationToken)).Rows);
        Assert.Equal(("vera", AuditActions.PermissionDenied, "192.0.2.7", "denied: cancel runs"), (row.UserName, row.Action, row.RemoteAddress, row.Outcome));
    }

    [Fact]
    public async Task The_page_reads_newest_first_in_pages_filtered_by_user_and_action()
    {
        var ct = TestContext.Current.CancellationToken;
        var audit = TestAudit.Into(Services, "127.0.0.1");
        for (var i = 0; i < 7; i++)
            await audit.RecordAsync(i % 2 == 0 ? "rita" : "adam", i % 3 == 0 ? AuditActions.RunCancel : AuditActions.SweepSubmit, $"target-{i}");

        var first = await Query().PageAsync(null, null, 0, 3, ct);
        var second = await Query().PageAsync(null, null, 1, 3, ct);
        var rita = await Query().PageAsync("rita", null, 0, 50, ct);
        var ritaRuns = await Query().PageAsync("rita", "run.", 0, 50, ct);

        Assert.Equal(7, first.Total);
        Assert.Equal(["target-6", "target-5", "target-4"], first.Rows.Select(r => r.TargetId));
        Assert.Equal(["target-3", "target-2", "target-1"], second.Rows.Select(r => r.TargetId));
        Assert.Equal(["target-6", "target-4", "target-2", "target-0"], rita.Rows.Select(r => r.TargetId));
        Assert.Equal(["target-6", "target-0"], ritaRuns.Rows.Select(r => r.TargetId));
        Assert.True(first.Rows.Zip(first.Rows.Skip(1)).All(p => p.First.At >= p.Second.At), "rows are not newest first");
    }

    [Fact]
    public async Task A_long_multi_line_outcome_is_stored_as_one_clipped_line()
    {
        await TestAudit.Into(Services, null).RecordAsync("rita", AuditActions.SweepSubmit, null, "refused: a\nb" + new string('x', 600));

        var row = Assert.Single((await Query().PageAsync(null, null, 0, 50, TestContext.Current.CancellationToken)).Rows);
        Assert.Equal(500, row.Outcome.Length);
        Assert.StartsWith("refused: a b", row.Outcome);
        Assert.Null(row.RemoteAddress);
    }

    private AuditLogQuery Query() => new(Services.GetRequiredService<IDbContextFactory<MotDbContext>>());
}
