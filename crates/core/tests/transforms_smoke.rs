use equinox_core::transforms::*;
use equinox_core::Array;

#[test]
fn smoke() {
    let x = Array::scalar(3.0f32);
    let f = |x: &Array| x * x * 3.0;
    let (y, dy) = jvp(f, &x, &Array::scalar(1.0f32));
    assert_eq!(y.item::<f32>(), 27.0);
    assert_eq!(dy.item::<f32>(), 18.0);
    let g = grad(f)(&x);
    assert_eq!(g.item::<f32>(), 18.0);
    let gg = grad(grad(f))(&x);
    assert_eq!(gg.item::<f32>(), 6.0);
    let j = make_jaxpr(f)(&x);
    println!("{j}");
    let (_, lin) = linearize(f, &x);
    println!("{}", lin.jaxpr());
    let h = make_jaxpr(grad(f))(&x);
    println!("{h}");
    let jf = jit(grad(f));
    assert_eq!(jf.call(&x).item::<f32>(), 18.0);
    assert_eq!(jf.call(&Array::scalar(1.0f32)).item::<f32>(), 6.0);
    assert_eq!(jf.trace_count(), 1);
    let v = vmap(|x: &Array| x * x)(&Array::from_vec(vec![1.0f32, 2.0], [2]));
    assert_eq!(v.to_vec::<f32>(), vec![1.0, 4.0]);
}
