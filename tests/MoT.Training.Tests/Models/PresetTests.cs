using MoT.Training.Models;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

public sealed class PresetTests
{
    public static TheoryData<string> TrainablePresets => new(ModelPresets.Known.Where(n => n.Contains("Tiny") || n.Contains("Small")));

    [Theory]
    [MemberData(nameof(TrainablePresets))]
    public void Small_presets_build_with_the_analytic_parameter_count_and_give_logits_of_the_right_shape(string name)
    {
        using var scope = NewDisposeScope();
        var preset = ModelPresets.Get(name);
        var model = new TransformerLM(preset.Config);
        var counted = model.parameters().Sum(p => p.numel());
        Assert.Equal(ModelCost.Parameters(preset.Config), counted);

        using var _ = no_grad();
        var batch = preset.DefaultBatchSize;
        var logits = model.forward(TorchSetup.Tokens(batch, 32, preset.Config.VocabSize));
        Assert.Equal(new long[] { batch, 32, preset.Config.VocabSize }, logits.shape);
    }

    [Theory]
    [InlineData("Transformer-Medium", 77e6)]
    [InlineData("MoT-Medium/32E", 337e6)]
    [InlineData("MoT-Medium/32E/8", 337e6)]
    [InlineData("Transformer-Base", 162e6)]
    [InlineData("MoT-Base/32E", 1.04e9)]
    public void Paper_presets_have_the_paper_parameter_counts(string name, double expected)
    {
        var parameters = ModelCost.Parameters(ModelPresets.Get(name).Config);
        Assert.InRange(parameters, expected * 0.99, expected * 1.01);
    }

    [Fact]
    public void MoT_granularity_split_keeps_parameters_and_flops_of_the_unsplit_model()
    {
        var whole = ModelPresets.Get("MoT-Medium/32E").Config;
        var split = ModelPresets.Get("MoT-Medium/32E/8").Config;
        Assert.Equal(256, split.MixtureOfTokens!.Experts);
        Assert.Equal(256, split.MixtureOfTokens.ResolvedExpertSize(split.DFF));
        // Only the controller grows (d x E): under 0.3% of the model.
        Assert.InRange(ModelCost.Parameters(split) / (double)ModelCost.Parameters(whole), 1.0, 1.003);
        Assert.InRange(ModelCost.ForwardFlopsPerToken(split) / ModelCost.ForwardFlopsPerToken(whole), 1.0, 1.05);
    }

    [Fact]
    public void MoT_32E_costs_about_the_same_FLOPs_per_token_as_the_dense_model()
    {
        var dense = ModelCost.ForwardFlopsPerToken(ModelPresets.Get("Transformer-Medium").Config);
        var mot = ModelCost.ForwardFlopsPerToken(ModelPresets.Get("MoT-Medium/32E").Config);
        var expertChoice = ModelCost.ForwardFlopsPerToken(ModelPresets.Get("ExpertChoice-Medium/32E").Config);
        Assert.InRange(mot / dense, 1.0, 1.05);
        Assert.InRange(expertChoice / dense, 1.0, 1.05);
    }
}
