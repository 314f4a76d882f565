using MoT.Grains.Configs;
using MoT.Grains.Runs;
using MoT.Silo.Sweeps;
using MoT.Training.Models;

namespace MoT.Silo.Tests;

/// <summary>A run's tokens per step (the leaderboard's budget axis, warm-start inheritance) as the trainer resolves them.</summary>
public sealed class RunFactsTests
{
    [Fact]
    public void A_config_naming_only_a_preset_counts_the_presets_context_length_and_batch_size()
    {
        var preset = ModelPresets.Get("MoT-Tiny/8E");
        Assert.True(preset.Config.ContextLength > 1); // else the old default of 1 would pass unnoticed

        var facts = RunFacts.FromConfig("""{"model":{"preset":"MoT-Tiny/8E"},"training":{"steps":10}}""", SchemaRunConfigRules.Default);

        Assert.Equal((long)preset.DefaultBatchSize * preset.Config.ContextLength, facts.TokensPerStep);
        Assert.Equal(10L * preset.DefaultBatchSize * preset.Config.ContextLength, facts.TrainingTokens);
        Assert.Equal("MoT", facts.Family);
    }

    [Fact]
    public void Stated_batch_size_and_seq_len_override_the_preset()
    {
        var preset = ModelPresets.Get("MoT-Tiny/8E");
        var batchOnly = RunFacts.FromConfig("""{"model":{"preset":"MoT-Tiny/8E"},"training":{"steps":10,"batch_size":3}}""", SchemaRunConfigRules.Default);
        var everything = RunFacts.FromConfig(
            """{"model":{"preset":"MoT-Tiny/8E","seq_len":32},"training":{"steps":10,"batch_size":3}}""", SchemaRunConfigRules.Default);

        Assert.Equal(3L * preset.Config.ContextLength, batchOnly.TokensPerStep);
        Assert.Equal(3L * 32, everything.TokensPerStep);
    }

    [Fact]
    public void A_family_and_size_without_a_preset_count_the_sizes_context_length()
    {
        var preset = ModelPresets.Get(ModelPresets.NameOf("Transformer", "Tiny", null));
        var facts = RunFacts.FromConfig("""{"model":{"family":"Dense","size":"Tiny"},"training":{"steps":5,"batch_size":2}}""", SchemaRunConfigRules.Default);
        Assert.Equal(2L * preset.Config.ContextLength, facts.TokensPerStep);
    }

    [Fact]
    public void A_config_the_trainer_cannot_read_counts_what_it_states_instead_of_failing()
    {
        var facts = RunFacts.FromConfig("""{"model":{"preset":"NoSuch-Preset","seq_len":16},"training":{"batch_size":4}}""", SchemaRunConfigRules.Default);
        Assert.Equal(4L * 16, facts.TokensPerStep);
        Assert.Equal(4L * 16, BasicRunConfigRules.Instance.TokensPerStep("""{"model":{"seq_len":16},"training":{"batch_size":4}}"""));
    }
}
