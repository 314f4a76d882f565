using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Tests.Models;

/// <summary>
/// Pins what the TorchSharp 0.107 random primitives the model's init stands on actually do (as PyTorch's do),
/// and the two that do not, so a TorchSharp upgrade that changes any of them fails here first. When a trap
/// test fails after an upgrade, TorchSharp changed: revisit WeightInit (it may then use the library's init).
/// </summary>
public sealed class TorchPrimitiveTests
{
    private const int Samples = 200_000;

    [Fact]
    public void Tensor_normal_with_a_generator_has_the_requested_mean_and_std()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var values = empty(Samples, dtype: ScalarType.Float64).normal_(0.3, 0.02, generator);
        // Standard errors: std / sqrt(n) = 4.5e-5 for the mean, about std / sqrt(2n) = 3.2e-5 for the std.
        Assert.Equal(0.3, values.mean().item<double>(), 0.0003);
        Assert.Equal(0.02, values.std().item<double>(), 0.0003);
        var fractionWithinOneStd = ((values - 0.3).abs() <= 0.02).to(ScalarType.Float64).mean().item<double>();
        Assert.Equal(0.6827, fractionWithinOneStd, 0.005);   // normal, not some other shape
    }

    [Fact]
    public void Tensor_normal_values_are_decided_by_the_generator_alone()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var first = new Generator(9);
        var a = empty(1000).normal_(0, 1, first);
        random.manual_seed(2);
        _ = randn(77);
        using var second = new Generator(9);
        var b = empty(1000).normal_(0, 1, second);
        using var third = new Generator(10);
        var c = empty(1000).normal_(0, 1, third);

        Assert.True(TorchSetup.Identical(a, b), "same generator seed, different global RNG state: values must not change");
        Assert.False(TorchSetup.Identical(a, c), "a different generator seed must give different values");
    }

    [Fact]
    public void Randn_with_a_generator_is_standard_normal_and_decided_by_the_generator_alone()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var first = new Generator(3);
        var a = randn([Samples], dtype: ScalarType.Float64, generator: first);
        random.manual_seed(2);
        using var second = new Generator(3);
        var b = randn([Samples], dtype: ScalarType.Float64, generator: second);

        Assert.True(TorchSetup.Identical(a, b));
        Assert.Equal(0.0, a.mean().item<double>(), 0.01);
        Assert.Equal(1.0, a.std().item<double>(), 0.01);
    }

    [Fact]
    public void Masked_scatter_fills_the_masked_places_in_row_major_order()
    {
        // The truncated-normal redraw puts its new values where the mask is true, in order: the same draws
        // must land in the same places every time.
        using var scope = NewDisposeScope();
        var target = zeros(2, 3);
        var mask = tensor(new[] { true, false, true, false, true, true }).view(2, 3);
        target.masked_scatter_(mask, tensor(new[] { 1f, 2f, 3f, 4f, 9f }));
        Assert.Equal(new[] { 1f, 0f, 2f, 0f, 3f, 4f }, target.data<float>().ToArray());
    }

    [Fact]
    public void Trap_nn_init_trunc_normal_fills_the_constant_std()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var t = empty(1000);
        using (no_grad()) nn.init.trunc_normal_(t, 0, 0.05, -0.1, 0.1, generator);
        // PyTorch draws a truncated normal here. If this fails, TorchSharp fixed it: revisit WeightInit.
        Assert.True(t.eq(0.05f).all().item<bool>(), "nn.init.trunc_normal_ no longer fills a constant: TorchSharp changed, revisit WeightInit");
    }

    [Fact]
    public void Trap_nn_init_normal_ignores_its_generator()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var first = new Generator(4);
        var a = empty(1000);
        using (no_grad()) nn.init.normal_(a, 0, 0.02, first);
        random.manual_seed(2);
        using var second = new Generator(4);
        var b = empty(1000);
        using (no_grad()) nn.init.normal_(b, 0, 0.02, second);
        // PyTorch would give equal values (same generator seed). If this fails, TorchSharp fixed it: revisit WeightInit.
        Assert.False(TorchSetup.Identical(a, b), "nn.init.normal_ now honours its generator: TorchSharp changed, revisit WeightInit");
    }
}
