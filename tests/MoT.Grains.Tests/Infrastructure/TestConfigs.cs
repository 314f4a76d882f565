using System.Text.Json.Nodes;

namespace MoT.Grains.Tests.Infrastructure;

/// <summary>Run configs for tests.</summary>
public static class TestConfigs
{
    public static string Run(
        long steps = 20,
        double lr = 1e-3,
        string family = "Dense",
        long evalInterval = 10,
        long checkpointInterval = 5,
        string evalSet = "brown-eval",
        string tokenizer = "cl100k",
        Action<JsonObject>? extra = null)
    {
        var config = new JsonObject
        {
            ["model"] = new JsonObject { ["family"] = family, ["seq_len"] = 64 },
            ["training"] = new JsonObject
            {
                ["steps"] = steps,
                ["lr"] = lr,
                ["batch_size"] = 8,
                ["eval_interval"] = evalInterval,
                ["checkpoint_interval"] = checkpointInterval,
            },
            ["data"] = new JsonObject { ["eval_set"] = evalSet, ["tokenizer"] = tokenizer },
        };
        extra?.Invoke(config);
        return config.ToJsonString();
    }

    public static string WithSimulation(string json, Action<JsonObject> simulate)
    {
        var config = JsonNode.Parse(json)!.AsObject();
        var sim = new JsonObject();
        simulate(sim);
        config["simulate"] = sim;
        return config.ToJsonString();
    }
}
