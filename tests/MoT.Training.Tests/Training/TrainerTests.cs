using MoT.Training.Checkpoints;
using MoT.Training.Models;
using MoT.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Training;

[Collection(BitExactCollection.Name)]
public sealed class TrainerTests
{
    [Theory]
    [InlineData(FeedForwardKind.Dense)]
    [InlineData(FeedForwardKind.MixtureOfTokens)]
    [InlineData(FeedForwardKind.TokenChoice)]
    [InlineData(FeedForwardKind.ExpertChoice)]
    public void Training_lowers_the_eval_loss_for_every_feed_forward_kind(FeedForwardKind kind)
    {
        using var run = new TrainingRun();
        var model = kind switch
        {
            FeedForwardKind.MixtureOfTokens => TorchSetup.Tiny.MoT(experts: 4, group: 4),
            FeedForwardKind.TokenChoice => TorchSetup.Tiny.Dense() with { FeedForward = kind, TokenChoice = new TokenChoiceConfig(4) },
            FeedForwardKind.ExpertChoice => TorchSetup.Tiny.Dense() with { FeedForward = kind, ExpertChoice = new ExpertChoiceConfig(4, 4) },
            _ => TorchSetup.Tiny.Dense(),
        };
        var observer = new RecordingObserver();
        using var trainer = run.Create(TrainingRun.Config(model, steps: 60) with { EvalInterval = 20 });
        var initial = trainer.Evaluate();

        var result = trainer.Run(observer, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(60, result.StepsCompleted);
        Assert.Equal([20, 40, 60], observer.Evals.Select(e => e.Step));
        Assert.True(result.FinalEvalLoss < initial * 0.8, $"eval loss {initial:F3} -> {result.FinalEvalLoss:F3} did not fall");
        if (kind != FeedForwardKind.Dense)
            Assert.All(observer.Steps, s => Assert.Equal([1], s.Diagnostics.Select(d => d.Block)));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_continues_bit_for_bit()
    {
        using var run = new TrainingRun();
        var config = TrainingRun.Config(TorchSetup.Tiny.MoT(experts: 4, group: 4), steps: 20);

        var straight = new RecordingObserver();
        using (var trainer = run.Create(config)) trainer.Run(straight, TestContext.Current.CancellationToken);

        using var split = new TrainingRun();
        var firstHalf = new RecordingObserver();
        string checkpoint;
        using (var trainer = split.Create(config))
            checkpoint = trainer.Run(firstHalf, TestContext.Current.CancellationToken, pauseAtStep: 10).LastCheckpoint!;
        var secondHalf = new RecordingObserver();
        using (var resumed = split.Resume(checkpoint, config))
            resumed.Run(secondHalf, TestContext.Current.CancellationToken);

        var straightLosses = straight.Steps.Select(s => s.TrainLoss).ToArray();
        var resumedLosses = firstHalf.Steps.Concat(secondHalf.Steps).Select(s => s.TrainLoss).ToArray();
        Assert.Equal(20, resumedLosses.Length);
        Assert.Equal(straightLosses[..10], resumedLosses[..10]);
        Assert.Equal(straightLosses[10..], resumedLosses[10..]);
    }

    [Fact]
    public void A_non_finite_loss_stops_the_run_as_diverged_at_that_step()
    {
        using var run = new TrainingRun();
        using var trainer = run.Create(TrainingRun.Config(steps: 20));
        var observer = new RecordingObserver
        {
            AfterStep = report =>
            {
                if (report.Step != 5) return;
                using var _ = no_grad();
                trainer.Model.parameters().First().fill_(double.NaN);
            },
        };

        var result = trainer.Run(observer, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStatus.Diverged, result.Status);
        Assert.Equal(5, result.DivergedAtStep);   // 0-based step 5 is the sixth step, the first with NaN weights
    }

    [Fact]
    public void Cancelling_checkpoints_first_and_reports_cancelled()
    {
        using var run = new TrainingRun();
        using var cancel = new CancellationTokenSource();
        using var trainer = run.Create(TrainingRun.Config(steps: 50));
        var observer = new RecordingObserver { AfterStep = r => { if (r.Step == 7) cancel.Cancel(); } };

        var result = trainer.Run(observer, cancel.Token);

        Assert.Equal(TrainingStatus.Cancelled, result.Status);
        Assert.Equal(7, result.StepsCompleted);
        Assert.Equal(7, CheckpointFile.ReadState(result.LastCheckpoint!).Step);
    }

    [Fact]
    public void Tokens_per_step_is_what_an_optimizer_step_reads_from_the_data()
    {
        // Counted from the batches the trainer takes, not from the formula: gradient accumulation and the context length
        // must both be in the leaderboard's budget and in tokens/s.
        var config = TrainingRun.Config(steps: 4) with { BatchSize = 2, GradientAccumulation = 3, EvalInterval = 1000, CheckpointInterval = 1000 };
        var counting = new TokenCountingBatches(TrainingRun.Batches(config));
        using var run = new TrainingRun();
        using var trainer = Trainer.Create(config, counting, TrainingRun.EvalBatches(config), run.Directory);

        trainer.Run(new RecordingObserver(), TestContext.Current.CancellationToken);

        Assert.Equal(4L * 2 * 3 * config.Model.ContextLength, counting.InputTokens);
        Assert.Equal(counting.InputTokens, 4 * config.TokensPerStep());
    }

    /// <summary>Counts the input tokens of every training batch handed out.</summary>
    private sealed class TokenCountingBatches(IBatchSource inner) : IBatchSource
    {
        public long InputTokens { get; private set; }
        public string Identity => inner.Identity;
        public string SaveCursor() => inner.SaveCursor();
        public void RestoreCursor(string cursor) => inner.RestoreCursor(cursor);

        public TrainingBatch Next(int batchSize, int sequenceLength, Device device)
        {
            var batch = inner.Next(batchSize, sequenceLength, device);
            InputTokens += batch.Inputs.numel();
            return batch;
        }
    }

    [Fact]
    public void Training_steps_leak_no_tensors()
    {
        using var run = new TrainingRun();
        using var trainer = run.Create(TrainingRun.Config(TorchSetup.Tiny.MoT(), steps: 105) with
        {
            LogInterval = 10, EvalInterval = 1000, CheckpointInterval = 1000,
        });
        // Sampled at the same point of a step (inside its scope, at a log step): optimizer state and
        // gradients appear during the first steps; after that the count must stay flat.
        var live = new Dictionary<int, long>();
        var observer = new RecordingObserver
        {
            AfterStep = r => live[r.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount,
        };

        trainer.Run(observer, TestContext.Current.CancellationToken);

        Assert.Equal(11, live.Count);
        Assert.All(live.Where(l => l.Key > 10), l => Assert.Equal(live[10], l.Value));
    }

    [Fact]
    public void Bf16_training_keeps_fp32_master_weights_and_learns()
    {
        using var run = new TrainingRun();
        using var trainer = run.Create(TrainingRun.Config(TorchSetup.Tiny.MoT(), steps: 40) with { Precision = Precision.Bf16, EvalInterval = 40 });
        var initial = trainer.Evaluate();

        var result = trainer.Run(NullTrainingObserver.Instance, TestContext.Current.CancellationToken);

        Assert.All(trainer.Model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.True(result.FinalEvalLoss < initial * 0.9, $"bf16 eval loss {initial:F3} -> {result.FinalEvalLoss:F3}");
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var config = TrainingRun.Config(steps: 110) with { LearningRate = 1.0, WarmupSteps = 10, FinalLearningRateRatio = 0.1 };
        Assert.Equal(0.1, LearningRateSchedule.At(config, 0), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(config, 9), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(config, 10), 12);
        Assert.Equal(0.55, LearningRateSchedule.At(config, 60), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(config, 110), 12);
    }
}
