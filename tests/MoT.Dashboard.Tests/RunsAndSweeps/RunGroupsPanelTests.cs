using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Components.Widgets;
using MoT.Data;
using MoT.Data.Queries;
using Entities = MoT.Data.Entities;
using MoT.Contracts.Runs;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

/// <summary>The Runs page's group-by panel over a real store, against values computed by hand.</summary>
public sealed class RunGroupsPanelTests() : TemporaryStoreTests("mot-groups-")
{
    [Fact]
    public async Task The_panel_shows_mean_and_std_per_value_for_the_pages_filter()
    {
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(Xunit.TestContext.Current.CancellationToken))
        {
            db.Users.Add(new Entities.User { Id = "rita", CreatedAt = DateTime.UtcNow });
            foreach (var (lr, loss, owner) in new[] { ("0.001", 3.0, "rita"), ("1e-3", 3.2, "rita"), ("0.001", 3.4, "rita"), ("0.01", 4.0, "rita"), ("0.01", 9.0, "other") })
            {
                if (owner == "other" && !db.Users.Local.Any(u => u.Id == "other")) db.Users.Add(new Entities.User { Id = "other", CreatedAt = DateTime.UtcNow });
                db.Runs.Add(new Entities.Run
                {
                    Id = Guid.NewGuid(), OwnerId = owner, ConfigJson = $"{{\"training\":{{\"lr\":{lr}}}}}", ModelFamily = "MoT", EvalSetId = "e", TokenizerId = "t",
                    CreatedAt = DateTime.UtcNow, BestEvalLoss = loss, Status = RunStatus.Completed,
                });
            }
            await db.SaveChangesAsync(Xunit.TestContext.Current.CancellationToken);
        }

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        MudBlazor.Services.ServiceCollectionExtensions.AddMudServices(context.Services);
        context.Services.AddSingleton(Services.GetRequiredService<RunGroups>());
        var cut = context.Render<RunGroupsPanel>(p => p.Add(c => c.Filter, "owner = rita"));

        cut.Find(".mud-expand-panel-header").Click();
        cut.Find("[data-testid=group-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=group-row]").Count));
        var rows = cut.FindAll("[data-testid=group-row]").Select(r => r.TextContent).ToList();
        // 0.001 over three runs: 3.0, 3.2, 3.4 -> 3.2000 ± 0.2000; 0.01 (rita's only): 4.0, one run.
        Assert.Contains("0.001", rows[0]);
        Assert.Contains("3.2000 ± 0.2000", rows[0]);
        Assert.Contains("4.0000 (one run)", rows[1]);
    }
}
