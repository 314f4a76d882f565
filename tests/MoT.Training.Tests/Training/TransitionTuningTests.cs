using MoT.Training.Checkpoints;
using MoT.Training.Models;
using MoT.Training.Training;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Training;

public sealed class TransitionTuningTests
{
    [Fact]
    public void Converted_token_choice_model_shares_the_MoT_experts_and_uses_the_controller_as_router()
    {
        using var scope = NewDisposeScope();
        var mot = new TransformerLM(TorchSetup.Tiny.MoT(experts: 4, group: 4), seed: 3);
        var converted = TransitionTuning.Convert(mot, TransitionTuning.TokenChoiceConfigFor(mot.Config));

        var source = mot.state_dict();
        var target = converted.state_dict();
        Assert.Equal(FeedForwardKind.TokenChoice, converted.Config.FeedForward);
        Assert.Equal(4, converted.Config.TokenChoice!.Experts);
        Assert.Equal(0, TorchSetup.MaxAbsDifference(source["blocks.1.ffn.controller"], target["blocks.1.ffn.router"]));
        Assert.Equal(0, TorchSetup.MaxAbsDifference(source["blocks.1.ffn.expert_in"], target["blocks.1.ffn.expert_in"]));
        Assert.Equal(0, TorchSetup.MaxAbsDifference(source["blocks.0.attention.qkv.weight"], target["blocks.0.attention.qkv.weight"]));
    }

    [Fact]
    public void Converted_model_loads_runs_and_keeps_training_from_a_MoT_checkpoint()
    {
        using var run = new TrainingRun();
        var motConfig = TrainingRun.Config(TorchSetup.Tiny.MoT(experts: 4, group: 4), steps: 40);
        string checkpoint;
        using (var trainer = run.Create(motConfig))
            checkpoint = trainer.Run(NullTrainingObserver.Instance, TestContext.Current.CancellationToken).LastCheckpoint!;

        using var mot = CheckpointFile.LoadModel(checkpoint, CPU);
        var tokenChoice = TransitionTuning.TokenChoiceConfigFor(mot.Config);
        using var converted = TransitionTuning.Convert(mot, tokenChoice);
        using var tuning = new TrainingRun();
        using var trainer2 = Trainer.Create(motConfig with { Model = tokenChoice, Steps = 30 },
            TrainingRun.Batches(motConfig), TrainingRun.EvalBatches(motConfig), tuning.Directory, initialWeights: converted);
        var atSwitch = trainer2.Evaluate();

        var result = trainer2.Run(NullTrainingObserver.Instance, TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.True(double.IsFinite(atSwitch));
        Assert.True(result.FinalEvalLoss < atSwitch, $"eval loss after the switch {atSwitch:F3} did not recover ({result.FinalEvalLoss:F3})");
        Assert.Equal(FeedForwardKind.TokenChoice, CheckpointFile.ReadState(result.LastCheckpoint!).Config.Model.FeedForward);
    }

    [Fact]
    public void Only_MoT_models_can_be_transition_tuned()
    {
        var error = Assert.Throws<ModelConfigException>(() => TransitionTuning.TokenChoiceConfigFor(TorchSetup.Tiny.Dense()));
        Assert.Equal("FeedForward", error.Field);
    }
}
