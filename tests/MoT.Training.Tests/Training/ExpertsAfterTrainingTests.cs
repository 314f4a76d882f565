using MoT.Training.Models;
using MoT.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Training;

/// <summary>What training does to the experts: they must stay distinct, full-rank matrices (a constant init
/// made them bit-identical and rank 1, and training never broke the symmetry).</summary>
[Collection(BitExactCollection.Name)]
public sealed class ExpertsAfterTrainingTests
{
    [Fact]
    public void After_100_steps_the_MoT_experts_are_pairwise_distinct_and_of_full_rank()
    {
        using var run = new TrainingRun();
        var preset = ModelPresets.Get("MoT-Tiny/8E");
        var model = preset.Config with { VocabSize = 64, ContextLength = 32 };   // a short context keeps it fast
        var config = TrainingRun.Config(model, steps: 100) with { BatchSize = 16, EvalInterval = 100, CheckpointInterval = 100, LogInterval = 50 };
        using var trainer = run.Create(config);
        var initial = trainer.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        var result = trainer.Run(new RecordingObserver(), TestContext.Current.CancellationToken);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        using var scope = NewDisposeScope();
        var sparse = trainer.Model.named_parameters().Where(p => p.name.Contains(".ffn.")).ToList();
        Assert.NotEmpty(sparse);
        foreach (var (name, parameter) in sparse)
        {
            var w = parameter.detach().to(ScalarType.Float64);
            Assert.True((w - initial[name].to(ScalarType.Float64)).abs().max().item<double>() > 0, $"{name} did not train");
            if (name.EndsWith("controller"))
            {
                Assert.Equal(Math.Min(w.shape[0], w.shape[1]), linalg.matrix_rank(w).item<long>());
                continue;
            }
            var size = w[0].square().mean().sqrt().item<double>();
            for (var i = 0; i < w.shape[0]; i++)
            {
                for (var j = i + 1; j < w.shape[0]; j++)
                {
                    var difference = (w[i] - w[j]).square().mean().sqrt().item<double>();
                    Assert.True(difference > 0.5 * size, $"{name}: experts {i} and {j} differ by rms {difference:G3}, weights are {size:G3}");
                }
                if (name.EndsWith("expert_in"))
                {
                    var rank = linalg.matrix_rank(w[i]).item<long>();
                    Assert.True(rank == Math.Min(w.shape[1], w.shape[2]), $"{name}[{i}] has rank {rank} of {Math.Min(w.shape[1], w.shape[2])}");
                }
            }
        }
    }

    [Fact]
    public void A_learnable_temperature_stays_fixed_until_its_step_then_learns()
    {
        using var run = new TrainingRun();
        var mot = TorchSetup.Tiny.MoT(experts: 4, group: 4);
        var model = mot with
        {
            MixtureOfTokens = mot.MixtureOfTokens! with { LearnableTemperature = true, TemperaturePerExpert = true, TemperatureFrozenUntilStep = 5 },
        };
        using var trainer = run.Create(TrainingRun.Config(model, steps: 12) with { LearningRate = 1e-2, WarmupSteps = 0 });
        Tensor Theta() => trainer.Model.named_parameters().Single(p => p.name.EndsWith("temperature_theta")).parameter.detach();

        var paused = trainer.Run(new RecordingObserver(), TestContext.Current.CancellationToken, pauseAtStep: 5);
        Assert.Equal(TrainingStatus.Paused, paused.Status);
        Assert.True(Theta().eq(1.0).all().item<bool>(), $"theta moved while frozen: {string.Join(", ", Theta().data<float>().ToArray())}");

        trainer.Run(new RecordingObserver(), TestContext.Current.CancellationToken);
        Assert.True(Theta().ne(1.0).any().item<bool>(), "theta never learned after its freeze ended");
    }

    [Fact]
    public void Freezing_a_fixed_temperature_is_refused_naming_the_field()
    {
        var mot = TorchSetup.Tiny.MoT();
        var error = Assert.Throws<ModelConfigException>(() => (mot with
        {
            MixtureOfTokens = mot.MixtureOfTokens! with { TemperatureFrozenUntilStep = 10 },
        }).Validate());
        Assert.Contains("TemperatureFrozenUntilStep", error.Message);
    }
}
