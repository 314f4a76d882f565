using Bunit;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Components.Widgets;
using MoT.Silo.Sweeps;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

public sealed class SweepControlsTests : MudComponentTests
{
    private readonly List<string> _asked = [];

    private IRenderedComponent<SweepControls> Render(SweepStatus status, SearchMethod method = SearchMethod.Random, int? maxRuns = 8, int concurrent = 2) =>
        Context.Render<SweepControls>(p => p
            .Add(c => c.SweepId, Guid.Parse("11111111-2222-3333-4444-555555555555"))
            .Add(c => c.Status, status).Add(c => c.Method, method).Add(c => c.MaxRuns, maxRuns).Add(c => c.MaxConcurrentRuns, concurrent)
            .Add(c => c.OnPause, () => _asked.Add("pause"))
            .Add(c => c.OnResume, () => _asked.Add("resume"))
            .Add(c => c.OnExtend, (SweepBudget b) => _asked.Add($"extend {b.MaxRuns?.ToString() ?? "-"} {b.MaxConcurrentRuns?.ToString() ?? "-"}")));

    [Fact]
    public void A_running_sweep_offers_pause_and_a_paused_one_resume()
    {
        var running = Render(SweepStatus.Running);
        running.Find("[data-testid=pause-sweep]").Click();
        Assert.Empty(running.FindAll("[data-testid=resume-sweep]"));

        var paused = Render(SweepStatus.Paused);
        paused.Find("[data-testid=resume-sweep]").Click();
        Assert.Empty(paused.FindAll("[data-testid=pause-sweep]"));

        Assert.Equal(["pause", "resume"], _asked);
    }

    [Theory]
    [InlineData(SweepStatus.Completed)]
    [InlineData(SweepStatus.Cancelled)]
    [InlineData(SweepStatus.Failed)]
    public void A_finished_sweep_can_only_be_cloned(SweepStatus status)
    {
        var cut = Render(status);

        Assert.True(cut.Find("[data-testid=pause-sweep]").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=extend-sweep]").HasAttribute("disabled"));
        Assert.Equal("/sweeps/new?clone=11111111-2222-3333-4444-555555555555", cut.Find("[data-testid=clone-sweep]").GetAttribute("href"));
    }

    [Fact]
    public void Extending_sends_only_the_fields_that_changed()
    {
        var cut = Render(SweepStatus.Running, maxRuns: 8, concurrent: 2);
        cut.Find("[data-testid=extend-sweep]").Click();

        cut.Find("input[data-testid=extend-max-runs], [data-testid=extend-max-runs] input").Change("12");
        cut.Find("[data-testid=extend-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["extend 12 -"], _asked));
    }

    [Fact]
    public void A_grid_sweep_is_offered_only_more_concurrency()
    {
        var cut = Render(SweepStatus.Paused, SearchMethod.Grid, maxRuns: null, concurrent: 1);
        cut.Find("[data-testid=extend-sweep]").Click();

        Assert.Empty(cut.FindAll("[data-testid=extend-max-runs]"));
        cut.Find("input[data-testid=extend-concurrency], [data-testid=extend-concurrency] input").Change("3");
        cut.Find("[data-testid=extend-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["extend - 3"], _asked));
    }
}

public sealed class SweepCloneTests
{
    [Fact]
    public void A_cloned_form_submits_the_same_sweep_under_a_copy_name()
    {
        var form = new SweepForm
        {
            Name = "mot-lr", BasePreset = "MoT-Small/16E", Steps = 300, LearningRate = 0.002, Method = SearchMethod.Tpe,
            MaxConcurrentRuns = 3, MaxRuns = 12, Seed = 7, Priority = 2, EarlyStopping = true, AshaMinSteps = 30, AshaReductionFactor = 3,
            EvalSet = "brown-eval", Tokenizer = "bpe",
            Parameters =
            [
                new() { Path = "training.lr", Kind = ParameterKind.LogUniform, Low = 1e-4, High = 3e-2 },
                new() { Path = "model.family", Kind = ParameterKind.Choice, Choices = "MoT, TokenChoice" },
                new() { Path = "training.batch_size", Kind = ParameterKind.Int, Low = 16, High = 48, Step = 16 },
            ],
        };
        var original = form.ToSpec("alice");

        var clone = SweepForm.FromSpec(original);

        Assert.Equal("mot-lr-copy", clone.Name);
        // The same YAML but for the name: what the user sees in the YAML tab is the sweep they cloned.
        Assert.Equal(SweepYaml.ToYaml(form).Replace("name: mot-lr", "name: mot-lr-copy"), SweepYaml.ToYaml(clone));
        var again = clone.ToSpec("alice");
        Assert.Equal(original.BaseConfigJson, again.BaseConfigJson);
        Assert.Equal(original with { Name = "mot-lr-copy", SearchSpace = [] }, again with { SearchSpace = [] });
        Assert.Empty(clone.Validate());
    }
}
