using MoT.Training.Models;

namespace MoT.Training.Tests.Models;

public sealed class ModelConfigTests
{
    private static readonly ModelConfig Base = TorchSetup.Tiny.Dense();

    public static TheoryData<string, Func<ModelConfig>> InvalidConfigs => new()
    {
        { "Heads", () => Base with { Heads = 5 } },
        { "DModel", () => Base with { DModel = 0 } },
        { "MixtureOfTokens.Experts", () => TorchSetup.Tiny.MoT(experts: 0) },
        { "MixtureOfTokens.GroupSize", () => TorchSetup.Tiny.MoT(group: -1) },
        { "MixtureOfTokens", () => Base with { FeedForward = FeedForwardKind.MixtureOfTokens } },
        { "TokenChoice.CapacityFactor", () => Base with { FeedForward = FeedForwardKind.TokenChoice, TokenChoice = new TokenChoiceConfig(4, CapacityFactor: 0) } },
        { "TokenChoice.CapacityFactor", () => Base with { FeedForward = FeedForwardKind.TokenChoice, TokenChoice = new TokenChoiceConfig(4, CapacityFactor: -1) } },
        { "TokenChoice.TopK", () => Base with { FeedForward = FeedForwardKind.TokenChoice, TokenChoice = new TokenChoiceConfig(2, TopK: 3) } },
        { "ExpertChoice.Capacity", () => Base with { FeedForward = FeedForwardKind.ExpertChoice, ExpertChoice = new ExpertChoiceConfig(4, 4, Capacity: 5) } },
        { "SparseBlocks", () => TorchSetup.Tiny.MoT() with { SparseBlocks = [7] } },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigs))]
    public void Invalid_config_fails_at_construction_naming_the_field(string field, Func<ModelConfig> config)
    {
        var error = Assert.Throws<ModelConfigException>(() => new TransformerLM(config()));
        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Group_size_larger_than_the_batch_is_rejected_naming_the_group_size()
    {
        var error = Assert.Throws<ModelConfigException>(() => TorchSetup.Tiny.MoT(group: 8).ValidateBatchSize(4));
        Assert.Equal("MixtureOfTokens.GroupSize", error.Field);
        Assert.Throws<ModelConfigException>(() => TorchSetup.Tiny.MoT(group: 4).ValidateBatchSize(6));
    }

    [Fact]
    public void Sparse_layers_default_to_the_second_half_of_the_blocks()
    {
        var config = ModelPresets.Get("MoT-Medium/32E").Config;
        Assert.Equal([4, 5, 6, 7], config.ResolvedSparseBlocks());
        Assert.Equal(FeedForwardKind.Dense, config.KindOfBlock(3));
    }

    [Theory]
    [InlineData("MoT-Medium")]
    [InlineData("Transformer-Medium/32E")]
    [InlineData("Sparse-Medium/32E")]
    [InlineData("MoT-Huge/32E")]
    [InlineData("MoT-Medium/32E/3")]
    public void Invalid_preset_names_are_rejected_with_a_clear_message(string name)
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelPresets.Get(name));
        Assert.Contains(name, error.Message);
    }
}
