using MoT.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

public sealed class ExpertHealthTests
{
    [Fact]
    public void A_fresh_MoT_has_full_rank_experts_about_sqrt2_apart()
    {
        using var model = new TransformerLM(ModelPresets.Get("MoT-Tiny/8E").Config with { VocabSize = 64 }, seed: 4);
        var report = ExpertHealth.Of(model);
        Assert.Equal(6, report.Count);   // controller, expert_in, expert_out of two MoT blocks
        Assert.All(report, t => Assert.All(t.Ranks, r => Assert.Equal(t.FullRank, r)));
        Assert.All(report.Where(t => !t.Name.EndsWith("controller")), t => Assert.InRange(t.SmallestPairDistance, 1.3, 1.5));
    }

    [Fact]
    public void Constant_experts_show_as_rank_one_and_identical()
    {
        // What TorchSharp 0.107's trunc_normal_ produced: every weight the same constant.
        using var model = new TransformerLM(ModelPresets.Get("MoT-Tiny/8E").Config with { VocabSize = 64 });
        using (no_grad())
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains(".ffn.")))
                parameter.fill_(0.05);
        var report = ExpertHealth.Of(model);
        Assert.All(report, t => Assert.All(t.Ranks, r => Assert.Equal(1, r)));
        Assert.All(report.Where(t => !t.Name.EndsWith("controller")), t => Assert.Equal(0, t.SmallestPairDistance));
    }
}
