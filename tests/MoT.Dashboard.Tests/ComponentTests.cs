using Bunit;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Sweeps;
using RunsPage = MoT.Dashboard.Components.Pages.Runs;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Runs;
using MoT.Silo.Sweeps;
using MudBlazor;

namespace MoT.Dashboard.Tests;

public sealed class ComponentTests : MudComponentTests
{
    /// <summary>Renders <typeparamref name="T"/> after the popover provider its selects need (services must be registered before).</summary>
    private IRenderedComponent<T> Render<T>(Action<ComponentParameterCollectionBuilder<T>>? parameters = null) where T : Microsoft.AspNetCore.Components.IComponent
    {
        Context.Render<MudPopoverProvider>();
        return parameters is null ? Context.Render<T>() : Context.Render(parameters);
    }

    [Fact]
    public void The_sweep_form_shows_each_error_beside_its_field()
    {
        var form = new SweepForm
        {
            Method = SearchMethod.Grid,
            MaxConcurrentRuns = 0,
            Parameters = [new() { Path = "training.lr", Kind = ParameterKind.LogUniform, Low = -1, High = 1 }],
        };

        var cut = Render<SweepFormEditor>(p => p.Add(x => x.Form, form).Add(x => x.Errors, form.Validate()));

        Assert.Contains("must be a whole number from 1 to 1,024 (limit MaxConcurrentRuns), got 0", cut.Markup);
        Assert.Contains("must be a number above 0 and at most 10 (limit MaxLearningRate), got -1", cut.Markup);
        Assert.Contains("a grid needs discrete values: use choice or int", cut.Markup);
    }

    [Fact]
    public void Editing_a_field_updates_the_form_and_asks_for_revalidation()
    {
        var form = new SweepForm();
        var changed = 0;
        var cut = Render<SweepFormEditor>(p => p.Add(x => x.Form, form).Add(x => x.FormChanged, () => changed++));

        cut.Find("[data-testid=add-parameter]").Click();

        Assert.Equal(2, form.Parameters.Count);
        Assert.Equal(1, changed);
    }

    [Fact]
    public void The_runs_page_shows_the_filter_parser_error_in_place_and_no_rows_of_an_earlier_query()
    {
        var cut = RenderRunsPageWithOneRun();
        cut.Find(FilterBox).Input("owner = alice and (status = Running");

        cut.WaitForAssertion(() => Assert.Contains("at column", cut.Markup), TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.DoesNotContain("run1", cut.Markup), TimeSpan.FromSeconds(5));

        cut.Find(FilterBox).Input("owner = alice");
        cut.WaitForAssertion(() => Assert.Contains("run1", cut.Markup), TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.DoesNotContain("at column", cut.Markup), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Enter_in_the_filter_box_applies_the_filter_without_waiting_for_the_debounce()
    {
        var cut = RenderRunsPageWithOneRun();
        cut.Find(FilterBox).Input("owner = alice and (status = Running");
        Assert.DoesNotContain("at column", cut.Markup); // the debounce holds typed text back
        cut.Find(FilterBox).KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter" });

        // Applied by the key press itself, well inside the 300 ms the debounce would still wait.
        Assert.Contains("at column", cut.Markup);
    }

    private const string FilterBox = "input[data-testid=run-filter], [data-testid=run-filter] input";

    /// <summary>The Runs page for a researcher, showing its one run (run1).</summary>
    private IRenderedComponent<RunsPage> RenderRunsPageWithOneRun()
    {
        Context.Services.AddSingleton<IRunHistory>(new RunsGridModelTests.ListRunHistory([RunsGridModelTests.Row(1)]));
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("rita");
        auth.SetRoles("researcher");
        var cut = Render<RunsPage>();
        cut.WaitForAssertion(() => Assert.Contains("run1", cut.Markup), TimeSpan.FromSeconds(5));
        return cut;
    }

    [Fact]
    public void The_runs_pager_counts_the_runs_there_are()
    {
        // 16 runs at 15 a page: "1-15 of 16", then "16-16 of 16"; never a guessed 30.
        var rows = Enumerable.Range(0, 16).Select(RunsGridModelTests.Row).ToList();
        Context.Services.AddSingleton<IRunHistory>(new RunsGridModelTests.ListRunHistory(rows));
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("rita");
        auth.SetRoles("viewer");

        var cut = Render<RunsPage>();

        cut.WaitForAssertion(() => Assert.Contains("1-15 of 16", cut.Markup), TimeSpan.FromSeconds(5));
        Assert.Equal(15, cut.FindAll("[data-testid=runs-grid] tbody tr.mud-table-row").Count);
        cut.Find("button[aria-label='Next page']").Click();
        cut.WaitForAssertion(() => Assert.Contains("16-16 of 16", cut.Markup), TimeSpan.FromSeconds(5));
        Assert.Single(cut.FindAll("[data-testid=runs-grid] tbody tr.mud-table-row"));
    }

    [Fact]
    public void The_column_chooser_shows_a_config_column_with_each_runs_value()
    {
        var row = RunsGridModelTests.Row(1) with { ConfigJson = """{"model":{"preset":"MoT-Tiny/8E"},"training":{"lr":0.0042}}""", LastTrainLoss = 2.5 };
        Context.Services.AddSingleton<IRunHistory>(new RunsGridModelTests.ListRunHistory([row]));
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("rita");
        auth.SetRoles("viewer");

        var popovers = Context.Render<MudPopoverProvider>();
        var cut = Context.Render<RunsPage>();
        // The Model column names the model the config trains (not the run's name).
        cut.WaitForAssertion(() => Assert.Contains("MoT-Tiny/8E", cut.Markup), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("0.0042", cut.Markup);
        Assert.DoesNotContain("Learning rate", cut.Markup);

        cut.Find("[data-testid=column-chooser] button").Click();
        popovers.WaitForElement("[data-testid='column-training.lr']", TimeSpan.FromSeconds(5)).Click();

        cut.WaitForAssertion(() => Assert.Contains("0.0042", cut.Find("[data-testid='cell-training.lr']").TextContent), TimeSpan.FromSeconds(5));
        Assert.Contains("Learning rate", cut.Markup);
    }
}
