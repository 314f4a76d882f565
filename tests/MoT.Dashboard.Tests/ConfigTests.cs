using System.Text.Json.Nodes;
using MoT.Dashboard.Hosting;
using MoT.Dashboard.Runs;
using MoT.Silo.Sweeps;
using MoT.Silo;
using Microsoft.Extensions.Configuration;

namespace MoT.Dashboard.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void A_preset_config_carries_what_the_grains_read()
    {
        var config = RunConfigFactory.Build(PresetCatalog.Find("mot-tiny/8e")!, new TrainingSettings(Steps: 50), "demo-eval", "bytes");
        var facts = RunConfigFacts.From(config.ToJsonString());
        Assert.Equal(new RunConfigFacts("MoT", "demo-eval", "bytes", "MoT-Tiny/8E", 50, 50 * 16 * 128), facts);
        Assert.Equal("Dense", PresetCatalog.Find("Transformer-Small")!.Family);
        Assert.Null(PresetCatalog.Find("MoT-Huge/8E"));
    }

    [Fact]
    public void Transition_tuning_targets_the_token_choice_preset_of_the_same_size()
    {
        var source = RunConfigFactory.Build(PresetCatalog.Find("MoT-Small/16E/4")!, new TrainingSettings(), "e", "t").ToJsonString();
        var target = JsonNode.Parse(RunConfigFactory.ToTokenChoice(source))!;
        Assert.Equal("TokenChoice", target["model"]!["family"]!.GetValue<string>());
        Assert.Equal("TokenChoice-Small/16E", target["model"]!["preset"]!.GetValue<string>());
        Assert.Equal(200, target["training"]!["steps"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(null, TrainingExecutorKind.Torch)]
    [InlineData("simulated", TrainingExecutorKind.Simulated)]
    [InlineData("Torch", TrainingExecutorKind.Torch)]
    public void The_executor_is_read_from_configuration(string? value, TrainingExecutorKind expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(TrainingExecutorRegistration.ConfigurationKey, value)]).Build();
        Assert.Equal(expected, TrainingExecutorRegistration.Read(configuration));
    }

    [Fact]
    public void The_simulated_executor_takes_the_silo_simulate_path_and_torch_the_TorchSharp_one()
    {
        var simulated = new ConfigurationBuilder().AddInMemoryCollection([new(TrainingExecutorRegistration.ConfigurationKey, "simulated")]).Build();
        var host = new SiloHostOptions();
        TrainingExecutorRegistration.Apply(host, simulated);
        Assert.True(host.Simulate);

        var torch = new SiloHostOptions { Simulate = true };
        TrainingExecutorRegistration.Apply(torch, new ConfigurationBuilder().Build());
        Assert.False(torch.Simulate);   // the default: AddMotSilo registers the TorchSharp executor
        Assert.Throws<InvalidOperationException>(() => TrainingExecutorRegistration.Read(
            new ConfigurationBuilder().AddInMemoryCollection([new(TrainingExecutorRegistration.ConfigurationKey, "gpu")]).Build()));
    }
}
