using Microsoft.Extensions.Logging.Abstractions;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Silo.Training;
using MoT.Training.Checkpoints;
using MoT.Training.Configuration;
using MoT.Training.Models;

namespace MoT.Silo.Tests;

public sealed class TorchTrainingExecutorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mot-executor-").FullName;

    private static string SweepShapeConfig(string family, int steps) => $$"""
        { "model": { "family": "{{family}}", "size": "Tiny", "experts": 4, "layers": 2, "seq_len": 16, "d_model": 32 },
          "training": { "steps": {{steps}}, "batch_size": 8, "lr": 0.003, "warmup": 2, "eval_interval": 5,
                        "checkpoint_interval": 5, "log_interval": 1, "device": "cpu" },
          "data": { "source": "synthetic" } }
        """;

    private async Task<(TrainingOutcome Outcome, RecordingObserver Observer)> Train(string config, string? resumeFrom, string attempt)
    {
        var observer = new RecordingObserver();
        var executor = new TorchTrainingExecutor(NullLogger<TorchTrainingExecutor>.Instance);
        var request = new TrainingRequest(Guid.NewGuid(), config, resumeFrom, Path.Combine(_root, attempt));
        var outcome = await executor.RunAsync(request, observer, TestContext.Current.CancellationToken);
        return (outcome, observer);
    }

    [Fact]
    public void The_sweep_shape_translates_into_the_matching_preset_and_settings()
    {
        var config = RunConfigTranslator.Translate(SweepShapeConfig("MoT", 10));
        Assert.Equal("MoT-Tiny/4E", config.Preset);
        Assert.Equal(FeedForwardKind.MixtureOfTokens, config.Model.FeedForward);
        Assert.Equal(4, config.Model.MixtureOfTokens!.Experts);
        Assert.Equal((16, 2, 32), (config.Model.ContextLength, config.Model.Layers, config.Model.DModel));
        Assert.Equal((10, 8, 0.003, 2), (config.Steps, config.BatchSize, config.LearningRate, config.WarmupSteps!.Value));
        Assert.Equal("synthetic", config.Data.Source);
        Assert.Equal("Transformer-Tiny", RunConfigTranslator.Translate("""{ "model": { "family": "Dense" }, "training": { "steps": 3 } }""").Preset);
    }

    [Theory]
    [InlineData("""{ "model": { "preset": "MoT-Tiny/8E", "experts": "4" } }""", "MoT-Tiny/4E")]
    [InlineData("""{ "model": { "preset": "MoT-Tiny/8E/2", "experts": 16 } }""", "MoT-Tiny/16E/2")]
    [InlineData("""{ "model": { "preset": "TokenChoice-Tiny/8E", "granularity": 4 } }""", "TokenChoice-Tiny/8E/4")]
    [InlineData("""{ "model": { "preset": "Transformer-Tiny", "experts": 4 } }""", "Transformer-Tiny")]
    public void Searched_experts_and_granularity_apply_on_top_of_a_named_preset(string config, string preset)
    {
        var withTraining = config.Replace("} }", """}, "training": { "steps": 3 } }""");
        Assert.Equal(preset, RunConfigTranslator.Translate(withTraining).Preset);
    }

    [Fact]
    public async Task A_run_trains_reports_progress_and_checkpoints_then_resumes_from_its_checkpoint()
    {
        var (first, observer) = await Train(SweepShapeConfig("MoT", 10), null, "a1");

        Assert.Equal(RunStatus.Completed, first.FinalStatus);
        Assert.Equal(10, first.FinalStep);
        Assert.Equal(Enumerable.Range(1, 10).Select(s => (long)s), observer.Progress.Where(p => p.EvalLoss is null).Select(p => p.Step));
        Assert.Equal([5L, 10L], observer.Progress.Where(p => p.EvalLoss is not null).Select(p => p.Step));
        Assert.Equal([5L, 10L], observer.Checkpoints.Select(c => c.Step));

        var (resumed, resumedObserver) = await Train(SweepShapeConfig("MoT", 15), observer.Checkpoints[^1].Path, "a2");
        Assert.Equal(RunStatus.Completed, resumed.FinalStatus);
        Assert.Equal(11, resumedObserver.Progress[0].Step);
        Assert.Equal(15, resumed.FinalStep);
    }

    [Fact]
    public async Task The_grains_warm_start_rule_matches_where_the_real_trainer_starts_counting()
    {
        // The run grain decides from the configs alone whether a child continues its parent's step count (and so how
        // many tokens it trains and where compare draws it); the trainer decides for real. They must agree.
        var parent = SweepShapeConfig("Dense", 10);
        var (_, observer) = await Train(parent, null, "p");
        var checkpoint = observer.Checkpoints[^1].Path;

        var resumeConfig = SweepShapeConfig("Dense", 14);
        var forkConfig = SweepShapeConfig("Dense", 4).Replace("\"lr\": 0.003", "\"lr\": 0.001");
        var (resumed, resumedObserver) = await Train(resumeConfig, checkpoint, "resume");
        var (forked, forkedObserver) = await Train(forkConfig, checkpoint, "fork");

        Assert.True(MoT.Grains.Runs.WarmStarts.ContinuesTraining(parent, resumeConfig));
        Assert.Equal((11L, 14L), (resumedObserver.Progress[0].Step, resumed.FinalStep));
        Assert.False(MoT.Grains.Runs.WarmStarts.ContinuesTraining(parent, forkConfig));
        Assert.Equal((1L, 4L), (forkedObserver.Progress[0].Step, forked.FinalStep));
    }

    [Fact]
    public async Task A_token_choice_run_from_a_MoT_checkpoint_is_transition_tuned()
    {
        var (_, mot) = await Train(SweepShapeConfig("MoT", 5), null, "mot");

        var (outcome, observer) = await Train(SweepShapeConfig("TokenChoice", 5), mot.Checkpoints[^1].Path, "tc");

        Assert.Equal(RunStatus.Completed, outcome.FinalStatus);
        var state = CheckpointFile.ReadState(observer.Checkpoints[^1].Path);
        Assert.Equal(FeedForwardKind.TokenChoice, state.Config.Model.FeedForward);
        Assert.Equal(1, observer.Progress[0].Step);   // a new run: fresh optimizer and schedule
    }

    [Fact]
    public async Task An_invalid_config_fails_with_class_InvalidConfig_naming_the_field()
    {
        var (outcome, _) = await Train("""{ "model": { "family": "MoT", "size": "Tiny" }, "training": { "steps": 0 } }""", null, "bad");
        Assert.Equal(RunStatus.Failed, outcome.FinalStatus);
        // The status model's third kind of failure: not the run's code, not the platform, the config as written.
        Assert.Equal(FailureClass.InvalidConfig, outcome.FailureClass);
        Assert.Equal(FailureKind.InvalidConfig, outcome.FailureClass!.Value.Kind());
        Assert.Contains("Steps", outcome.FailureReason);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class RecordingObserver : ITrainingObserver
    {
        public List<RunProgress> Progress { get; } = [];
        public List<CheckpointInfo> Checkpoints { get; } = [];
        public void OnProgress(RunProgress progress) => Progress.Add(progress);
        public void OnCheckpoint(CheckpointInfo checkpoint) => Checkpoints.Add(checkpoint);
    }
}
