using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Platform;
using MoT.Dashboard.Runs;
using MoT.Data;
using MoT.Data.Annotations;
using MoT.Data.Queries;
using Entities = MoT.Data.Entities;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

/// <summary>The run page's editor against a real store: what is typed is saved, and the Runs filter finds it.</summary>
public sealed class RunNotesEditorTests() : TemporaryStoreTests("mot-notes-")
{
    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    private async Task<Guid> AddRunAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(Token);
        var id = Guid.NewGuid();
        db.Users.Add(new Entities.User { Id = "rita", CreatedAt = DateTime.UtcNow });
        db.Runs.Add(new Entities.Run { Id = id, OwnerId = "rita", ConfigJson = "{}", ModelFamily = "MoT", EvalSetId = "e", TokenizerId = "t", CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(Token);
        return id;
    }

    private async Task<BunitContext> ContextFor(string role)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        MudBlazor.Services.ServiceCollectionExtensions.AddMudServices(context.Services);
        var annotations = Services.GetRequiredService<RunAnnotations>();
        context.Services.AddSingleton(annotations);
        context.Services.AddSingleton(new PlatformCommands(null!, TestUsers.Current("rita", role), new RunCatalog(), null!,
            TestAudit.Discarding(), NullLogger<PlatformCommands>.Instance, annotations));
        var auth = context.AddAuthorization();
        auth.SetAuthorized("rita");
        auth.SetRoles(role);
        // The editor's controls sit behind the annotate policy: grant what the real policies give this role.
        auth.SetPolicies(Policies.RolesByPolicy.Where(p => p.Value.Contains(role)).Select(p => p.Key).ToArray());
        await Task.CompletedTask;
        return context;
    }

    [Fact]
    public async Task Tags_notes_and_a_name_typed_on_the_run_page_are_saved_and_tag_filter_finds_the_run()
    {
        var runId = await AddRunAsync();
        await using var context = await ContextFor(Roles.Researcher);
        context.Render<MudBlazor.MudSnackbarProvider>();
        var cut = context.Render<RunNotesEditor>(p => p.Add(c => c.RunId, runId));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=run-tags], [data-testid=run-tags] input")));
        Assert.Equal(RunNames.For(runId), cut.Find("input[data-testid=run-name], [data-testid=run-name] input").GetAttribute("value"));

        cut.Find("input[data-testid=run-name], [data-testid=run-name] input").Change("warmup ablation");
        cut.Find("input[data-testid=run-tags], [data-testid=run-tags] input").Change("baseline, warmup-0");
        cut.Find("textarea[data-testid=run-notes-text], [data-testid=run-notes-text] textarea").Change("Warmup matters for MoT.\nSee run 2.");
        cut.Find("[data-testid=save-notes]").Click();

        var annotations = Services.GetRequiredService<RunAnnotations>();
        await WaitAsync(async () => (await annotations.GetAsync(runId, Token))!.Tags.Count == 2);
        var saved = (await annotations.GetAsync(runId, Token))!;
        Assert.Equal("warmup ablation", saved.Name);
        Assert.Equal(["baseline", "warmup-0"], saved.Tags);
        Assert.Equal("Warmup matters for MoT.\nSee run 2.", saved.Notes);
        var found = await Services.GetRequiredService<RunQueryService>().QueryAsync("tag:warmup-0", cancellationToken: Token);
        Assert.Equal([runId], found.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task A_refused_tag_is_named_in_a_snackbar_and_nothing_of_it_is_stored()
    {
        var runId = await AddRunAsync();
        await using var context = await ContextFor(Roles.Researcher);
        var snackbars = context.Render<MudBlazor.MudSnackbarProvider>();
        var cut = context.Render<RunNotesEditor>(p => p.Add(c => c.RunId, runId));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=run-tags], [data-testid=run-tags] input")));

        cut.Find("input[data-testid=run-tags], [data-testid=run-tags] input").Change("good bad:tag");
        cut.Find("[data-testid=save-notes]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("tags: 'bad:tag' contains ':'", snackbars.Markup), TimeSpan.FromSeconds(5));
        Assert.Empty((await Services.GetRequiredService<RunAnnotations>().GetAsync(runId, Token))!.Tags);
    }

    [Fact]
    public async Task A_viewer_reads_the_notes_and_gets_no_editor()
    {
        var runId = await AddRunAsync();
        await Services.GetRequiredService<RunAnnotations>().SetNotesAsync(runId, "read me", Token);
        await using var context = await ContextFor(Roles.Viewer);

        var cut = context.Render<RunNotesEditor>(p => p.Add(c => c.RunId, runId));

        cut.WaitForAssertion(() => Assert.Contains("read me", cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=save-notes]"));
        var commands = new PlatformCommands(null!, TestUsers.Current("vera", Roles.Viewer), new RunCatalog(), null!,
            TestAudit.Discarding(), NullLogger<PlatformCommands>.Instance, Services.GetRequiredService<RunAnnotations>());
        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.SetRunTagsAsync(runId, ["x"]));
        Assert.Contains("cannot tag runs", refused.Message);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.PauseSweepAsync(Guid.NewGuid()));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the edit was not stored");
            await Task.Delay(25, Token);
        }
    }
}
