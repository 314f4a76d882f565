using MoT.Contracts.Runs;
using MoT.Dashboard.Runs;

namespace MoT.Dashboard.Tests;

public sealed class RunColumnsTests
{
    private const string MoTConfig = """
        {"model":{"preset":"MoT-Tiny/8E","family":"MoT","seq_len":128},"training":{"steps":300,"lr":0.002,"batch_size":16,"seed":3}}
        """;

    [Fact]
    public void Config_columns_are_hidden_until_chosen_and_the_choice_round_trips_through_storage_text()
    {
        var choice = new RunColumnChoice();
        Assert.True(choice.IsHidden("training.lr"));
        Assert.True(choice.IsVisible("owner"));

        choice.Set("training.lr", true);
        choice.Set("owner", false);
        choice.Set("last_train_loss", true);
        var saved = choice.Serialize();

        var restored = new RunColumnChoice();
        restored.Restore(saved);
        Assert.True(restored.IsVisible("training.lr"));
        Assert.True(restored.IsVisible("last_train_loss"));
        Assert.True(restored.IsHidden("owner"));
        Assert.Equal(saved, restored.Serialize());
    }

    [Fact]
    public void Unknown_or_empty_saved_choices_keep_the_defaults()
    {
        var defaults = new RunColumnChoice().Serialize();
        var choice = new RunColumnChoice();
        choice.Restore("no.such.column, another");
        Assert.Equal(defaults, choice.Serialize());
        choice.Restore(null);
        Assert.Equal(defaults, choice.Serialize());
        choice.Set("no.such.column", true);
        Assert.Equal(defaults, choice.Serialize());
    }

    [Fact]
    public void Reset_brings_back_the_default_columns()
    {
        var choice = new RunColumnChoice();
        var defaults = choice.Serialize();
        choice.Set("model.experts", true);
        choice.Set("status", false);
        choice.Reset();
        Assert.Equal(defaults, choice.Serialize());
    }

    [Theory]
    [InlineData("training.lr", "0.002")]
    [InlineData("training.batch_size", "16")]
    [InlineData("model.family", "MoT")]
    [InlineData("model.experts", "8")]
    [InlineData("model.group_size", "8")]
    [InlineData("training.warmup", null)]
    public void Config_values_come_from_the_json_or_from_the_preset(string path, string? expected) =>
        Assert.Equal(expected, RunConfigValues.Read(MoTConfig, path));

    [Fact]
    public void A_dense_run_has_no_experts_and_a_broken_config_reads_as_empty()
    {
        Assert.Null(RunConfigValues.Read("""{"model":{"preset":"Transformer-Tiny"}}""", "model.experts"));
        Assert.Null(RunConfigValues.Read("{not json", "training.lr"));
        Assert.Null(RunConfigValues.Read(null, "training.lr"));
        Assert.Equal(0.002, RunConfigValues.ReadNumber(MoTConfig, "training.lr"));
    }
}

public sealed class CompareModelTests
{
    [Fact]
    public void Tokens_per_step_come_from_the_config_or_the_preset()
    {
        Assert.Equal(16 * 128, CompareModel.TokensPerStep("""{"model":{"seq_len":128},"training":{"batch_size":16}}"""));
        Assert.Equal(4 * 64 * 2, CompareModel.TokensPerStep("""{"model":{"seq_len":64},"training":{"batch_size":4,"grad_accumulation":2}}"""));
        var preset = MoT.Silo.Sweeps.PresetCatalog.Find("MoT-Tiny/8E")!;
        Assert.Equal((long)preset.BatchSize * preset.SeqLen, CompareModel.TokensPerStep("""{"model":{"preset":"MoT-Tiny/8E"}}"""));
        Assert.Null(CompareModel.TokensPerStep("{}"));
        Assert.Null(CompareModel.TokensPerStep(null));
    }

    [Fact]
    public void The_tokens_axis_scales_each_run_by_its_own_tokens_per_step_and_skips_runs_without()
    {
        var model = new CompareModel();
        MetricSeries Eval(params (long, double)[] points) => new(MoT.Silo.Training.MetricNames.EvalLoss, points);
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((10, 3.0), (20, 2.5))], 1000));
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((10, 3.1), (20, 2.6))], 4000));
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((10, 3.2))], null));

        var steps = model.Lines(MoT.Silo.Training.MetricNames.EvalLoss, 0, CompareAxis.Step);
        var tokens = model.Lines(MoT.Silo.Training.MetricNames.EvalLoss, 0, CompareAxis.Tokens);

        Assert.Equal(3, steps.Count);
        Assert.Equal([10.0, 20.0], steps[1].Points.Select(p => p.X));
        Assert.Equal(2, tokens.Count);
        Assert.Equal([10_000.0, 20_000.0], tokens[0].Points.Select(p => p.X));
        Assert.Equal([40_000.0, 80_000.0], tokens[1].Points.Select(p => p.X));
        Assert.Single(model.WithoutTokens);
    }

    [Fact]
    public void A_warm_started_child_is_drawn_after_its_parents_steps_and_tokens()
    {
        var model = new CompareModel();
        MetricSeries Eval(params (long, double)[] points) => new(MoT.Silo.Training.MetricNames.EvalLoss, points);
        // Parent: 60 steps of 100 tokens. A fork with new settings restarts its count at 0 from the step-60 checkpoint;
        // a resume continues the count (its first step is 61).
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((30, 3.0), (60, 2.5))], 100));
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((10, 2.4), (40, 2.2))], 200, WarmStart: new WarmStart(60, 0, 6_000, StepOffset: 60)));
        model.Add(new ComparedRun(Guid.NewGuid(), [Eval((70, 2.4), (100, 2.3))], 100, WarmStart: new WarmStart(60, 60, 6_000, StepOffset: 0)));

        var steps = model.Lines(MoT.Silo.Training.MetricNames.EvalLoss, 0, CompareAxis.Step);
        var tokens = model.Lines(MoT.Silo.Training.MetricNames.EvalLoss, 0, CompareAxis.Tokens);

        Assert.Equal([70.0, 100.0], steps[1].Points.Select(p => p.X));    // 60 + its own 10 and 40
        Assert.Equal([70.0, 100.0], steps[2].Points.Select(p => p.X));    // already on the parent's count
        Assert.Equal([8_000.0, 14_000.0], tokens[1].Points.Select(p => p.X)); // 6,000 inherited + 10 or 40 steps of 200
        Assert.Equal([7_000.0, 10_000.0], tokens[2].Points.Select(p => p.X)); // 6,000 inherited + 10 or 40 steps of 100
        Assert.Equal([3_000.0, 6_000.0], tokens[0].Points.Select(p => p.X));
    }
}
